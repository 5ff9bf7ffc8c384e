/**
 * One form, rendered from its definition: the subject (native selects `Kelurahan` and `RW`, or the
 * referenced record for follow-ups), every field, `Simpan draf` and `Kirim`.
 *
 * Modes (from the route): new; `draft=<id>` reopens a draft with every value; `fix=<id>` reopens an
 * item the server called invalid (same id, its field errors shown) or a conflict (sent as new);
 * `correct=<id>` amends a sent record — a new id that `supersedes` it, never an edit in place;
 * `review=<id>` corrects a record a reviewer sent back (from the reviews feed: it may have been made
 * on another phone), also a new id that `supersedes` it. A new record may come preset from
 * "Tugas hari ini": `rw=<id>`, `kelurahan=<id>`, `ref=<id>`, `periode=2026-Q3`.
 * Every change is autosaved to the draft (new, draft and correction modes).
 */
import { getDraft, getOutboxItem, getReview, listOutboxByForm, putOutboxItem, saveDraft } from '../db.js';
import { formatDate, formatDateTime, isoLocal, localized, t } from '../i18n.js';
import { enqueue, newId, photoHashes, requeue, STATES } from '../outbox.js';
import { getOpenItems, normId } from '../news.js';
import { renderField } from '../render/index.js';
import { registerBackgroundSync, state, syncNow } from '../state.js';
import { cleanData, fieldError, formErrors, isShown } from '../validate.js';
import { findDefinition, recordName } from './forms.js';
import { h, mount } from './dom.js';

const AUTOSAVE_MS = 400;
const KECAMATAN = 'kecamatan';

/**
 * The subjects of a unit form as select options: each kelurahan by its name and, where the scope
 * allows, "Kantor Kecamatan" (bootstrap `units`; older bootstraps: kelurahan only).
 */
export function unitOptions(bootstrap) {
  if (Array.isArray(bootstrap?.units)) {
    return bootstrap.units.map((unit) => {
      const id = unit.subject.kelurahan_id ?? unit.subject.kecamatan_id;
      const kel = unit.subject.kelurahan_id ? (bootstrap.kelurahan || []).find((k) => k.id === id) : null;
      return {
        value: unit.subject.kelurahan_id ? String(id) : `${KECAMATAN}:${id}`,
        label: unit.kind === 'kecamatan' ? t('kantorKecamatan') : (kel?.nama || unit.nama),
        subject: unit.subject,
      };
    });
  }
  return (bootstrap?.kelurahan || []).map((k) => ({ value: String(k.id), label: k.nama, subject: { kelurahan_id: k.id } }));
}

function select(id, label, options, value, onChange) {
  const el = h('select', { id, name: id, required: true },
    h('option', { value: '' }, t('choose')),
    options.map((o) => h('option', { value: String(o.value), selected: String(o.value) === String(value ?? '') }, o.label)));
  const error = h('p', { class: 'error', id: `${id}-error`, hidden: true });
  el.setAttribute('aria-describedby', `${id}-error`);
  el.addEventListener('change', () => onChange(el.value));
  const wrapper = h('div', { class: 'field' }, h('div', { class: 'label-row' }, h('label', { for: id }, label), h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')), el, error);
  return {
    el: wrapper,
    select: el,
    setError(message) {
      error.textContent = message || '';
      error.hidden = !message;
      if (message) el.setAttribute('aria-invalid', 'true');
      else el.removeAttribute('aria-invalid');
    },
  };
}

/** Load the record being edited for the route's mode. */
async function loadRecord(code, params, definition, user) {
  const base = {
    id: newId(), user_id: user.id, form: code, form_version: definition.version, subject: null, ref: null,
    supersedes: null, data: {}, observed_at: isoLocal(), created_at: Date.now(), mode: 'new',
  };
  if (params.draft) {
    const draft = await getDraft(params.draft);
    if (draft) return { ...draft, mode: draft.supersedes ? 'correct' : 'draft' };
  }
  if (params.fix) {
    const item = await getOutboxItem(params.fix);
    if (item && item.state === STATES.INVALID) return { ...item, mode: 'fix' };
    if (item && item.state === STATES.CONFLICT) return { ...base, ...pick(item), id: newId(), mode: 'new', conflictOf: item.id };
  }
  if (params.correct) {
    const item = await getOutboxItem(params.correct);
    if (item) return { ...base, ...pick(item), supersedes: item.id, mode: 'correct', correctedWhen: item.observed_at };
  }
  if (params.review) {
    const review = await getReview(params.review);
    if (review) {
      return { ...base, ...pick(review), supersedes: review.id, mode: 'correct', correctedWhen: review.observed_at, reason: review.reason };
    }
  }
  return preset(base, params);
}

/** A new record preset from the route (a row of "Tugas hari ini"). */
function preset(base, params) {
  const record = { ...base, data: { ...base.data } };
  if (params.rw) record.subject = { rw_id: Number(params.rw) };
  else if (params.kelurahan) record.subject = { kelurahan_id: Number(params.kelurahan) };
  if (params.ref) record.ref = normId(params.ref);
  if (params.periode) record.data.periode = params.periode;
  return record;
}

function pick(item) {
  return { subject: item.subject || null, ref: item.ref || null, data: structuredClone(item.data || {}), observed_at: item.observed_at, form_version: item.form_version };
}

/** A server open item as an option's text: "Pengaduan · Cipaganti · 20/11/2026 · kebersihan". */
function openItemName(entry, refTitle) {
  const when = entry.tanggal_terima || entry.waktu_terima || entry.observed_at;
  return [refTitle, entry.kelurahan, when ? formatDate(String(when).slice(0, 10)) : '', entry.kategori || entry.jenis_layanan || ''].filter(Boolean).join(' · ');
}

/**
 * The records a follow-up may refer to: this phone's own records of `refForm` first, then the
 * server's open items of the officer's scope (cached at the last sync, so it works offline).
 */
async function fillReferences(select, wrapper, refForm, record, user, bootstrap) {
  const own = (await listOutboxByForm(refForm))
    .filter((i) => i.user_id === user.id && i.state !== STATES.INVALID && !i.superseded_by)
    .sort((a, b) => (a.observed_at < b.observed_at ? 1 : -1));
  const open = await getOpenItems(user.id);
  const server = refForm === 'pengaduan' ? open.complaints : refForm === 'layanan' ? open.services : [];
  const known = new Set(own.map((i) => normId(i.id)));
  const others = server.filter((entry) => !known.has(normId(entry.id)));
  const refTitle = localized(findDefinition(bootstrap, refForm) || { title: refForm }, 'title');
  const current = normId(record.ref);
  const option = (value, text) => h('option', { value, selected: value === current }, text);
  const ownOptions = own.map((item) => option(item.id, recordName(findDefinition(bootstrap, item.form, item.form_version), item, bootstrap, item.observed_at)));
  const serverOptions = others.map((entry) => option(normId(entry.id), openItemName(entry, refTitle)));
  if (!ownOptions.length && !serverOptions.length) wrapper.append(h('p', { class: 'hint' }, t('noRecords')));
  if (ownOptions.length && serverOptions.length) {
    select.append(h('optgroup', { label: t('fromDevice') }, ownOptions), h('optgroup', { label: t('fromServer') }, serverOptions));
  } else {
    select.append(...ownOptions, ...serverOptions);
  }
  if (current && select.value !== current) select.value = current;
  select.dispatchEvent(new Event('sikk:refs'));
}

/** `Kelurahan` then `RW` (RW forms): choosing a kelurahan offers its RW and clears the subject. */
function rwControls(kelurahan, record, changed) {
  const currentRw = record.subject?.rw_id;
  const currentKel = kelurahan.find((k) => (k.rw || []).some((r) => r.id === currentRw))?.id ?? record.kelurahan_hint;
  const rwOptions = (kelId) => (kelurahan.find((k) => String(k.id) === String(kelId))?.rw || []).map((r) => ({ value: r.id, label: r.nomor }));
  const kelSelect = select('subject-kelurahan', t('kelurahan'), kelurahan.map((k) => ({ value: k.id, label: k.nama })), currentKel, (value) => {
    rwSelect.select.replaceChildren(h('option', { value: '' }, t('choose')), ...rwOptions(value).map((o) => h('option', { value: String(o.value) }, o.label)));
    record.subject = null;
    record.kelurahan_hint = value ? Number(value) : null; // a draft restores the choice before RW
    changed();
  });
  const rwSelect = select('subject-rw', t('rw'), rwOptions(currentKel), currentRw, (value) => {
    record.subject = value ? { rw_id: Number(value) } : null;
    rwSelect.setError(null);
    changed();
  });
  return { kelSelect, rwSelect };
}

/** `Kelurahan` (kelurahan forms) or the units of a unit form (with `Kantor Kecamatan` where offered). */
function unitControls(kind, bootstrap, record, changed) {
  const options = kind === 'unit'
    ? unitOptions(bootstrap)
    : (bootstrap?.kelurahan || []).map((k) => ({ value: String(k.id), label: k.nama, subject: { kelurahan_id: k.id } }));
  const current = options.find((o) => JSON.stringify(o.subject) === JSON.stringify(record.subject))?.value;
  const kelSelect = select('subject-kelurahan', t('kelurahan'), options, current, (value) => {
    record.subject = options.find((o) => o.value === value)?.subject || null;
    kelSelect.setError(null);
    changed();
  });
  return { kelSelect };
}

/** `Rujukan` (follow-ups): filled from this phone's records and the server's open items. */
function refControls(def, record, { bootstrap, user, changed }) {
  const refSelect = select('subject-ref', t('ref'), [], record.ref, (value) => {
    record.ref = value || null;
    const chosen = [...refSelect.select.options].find((o) => o.value === value);
    record.ref_label = chosen ? chosen.textContent : null;
    refSelect.setError(null);
    changed();
  });
  refSelect.select.addEventListener('sikk:refs', () => {
    const chosen = refSelect.select.selectedOptions[0];
    if (record.ref && chosen?.value) record.ref_label = chosen.textContent;
  });
  fillReferences(refSelect.select, refSelect.el, def.ref_form, record, user, bootstrap);
  return { refSelect };
}

/** Marks a missing subject (or reference) on its select; says whether one is missing. */
function markMissingSubject(kind, record, { kelSelect, rwSelect, refSelect }) {
  if (kind === 'rw' && !record.subject?.rw_id) {
    if (!kelSelect.select.value) kelSelect.setError(t('required'));
    rwSelect.setError(t('required'));
    return true;
  }
  if ((kind === 'kelurahan' || kind === 'unit') && !record.subject) {
    kelSelect.setError(t('required'));
    return true;
  }
  if (kind === 'ref' && !record.ref) {
    refSelect.setError(t('required'));
    return true;
  }
  return false;
}

/**
 * The record's subject: `Kelurahan` + `RW` selects (RW forms), `Kelurahan` (kelurahan and unit
 * forms) or `Rujukan` (follow-ups). Choices write into `record` and call `changed()`.
 * @returns {{kind: string, parts: HTMLElement[], kelSelect, rwSelect, refSelect, check: () => boolean}}
 *          `check()` marks a missing subject and says whether one is missing
 */
function subjectControls(def, record, context) {
  const kind = def.subject || 'none';
  let selects = {};
  if (kind === 'rw') selects = rwControls(context.bootstrap?.kelurahan || [], record, context.changed);
  else if (kind === 'kelurahan' || kind === 'unit') selects = unitControls(kind, context.bootstrap, record, context.changed);
  else if (kind === 'ref') selects = refControls(def, record, context);
  const { kelSelect = null, rwSelect = null, refSelect = null } = selects;
  const parts = [kelSelect, rwSelect, refSelect].filter(Boolean).map((s) => s.el);
  return { kind, parts, kelSelect, rwSelect, refSelect, check: () => markMissingSubject(kind, record, selects) };
}

/**
 * Server errors of a set-aside item, on their fields ("data.<key>"), on the subject or reference
 * selects, on the observation time (a phone with a wrong clock: an extra field, returned); anything
 * else at the top, in `banner`.
 */
function showServerErrors(record, controls, { kelSelect, rwSelect, refSelect }, banner) {
  if (record.mode !== 'fix' || !record.errors) return null;
  let observedControl = null;
  const general = [];
  for (const [rawKey, text] of Object.entries(record.errors)) {
    const key = rawKey.startsWith('data.') ? rawKey.slice(5) : rawKey;
    if (controls.has(key)) controls.get(key).setError(text);
    else if (key === 'subject' && (rwSelect || kelSelect)) (rwSelect || kelSelect).setError(text);
    else if (key === 'ref' && refSelect) refSelect.setError(text);
    else if (key === 'observed_at') {
      observedControl = renderField({ key: 'observed_at', type: 'datetime', label: t('observedAt'), required: true }, record.observed_at, (value) => {
        if (value) record.observed_at = value;
      });
      observedControl.setError(text);
    } else general.push(`${key === '_' || key === '_item' ? '' : `${key}: `}${text}`);
  }
  banner.append(h('div', { class: 'banner warn', role: 'alert' }, h('p', {}, t('serverErrors')), general.length ? h('p', {}, general.join(' ')) : null));
  return observedControl;
}

/**
 * The draft autosave of one open form: debounced (`AUTOSAVE_MS`), never after `Kirim`, never for a
 * set-aside item (it lives in the outbox, not in drafts). Leaving the screen with a save pending
 * lets the timer still run, so a change is never lost.
 */
function autosaver(record) {
  let timer = null;
  let stopped = false;
  const save = async () => {
    clearTimeout(timer);
    if (record.mode === 'fix' || stopped) return;
    const { mode, correctedWhen, conflictOf, ...draft } = record; // `reason` stays: a reopened draft shows it
    await saveDraft({ ...draft, data: { ...record.data } });
  };
  return {
    save,
    schedule() {
      if (record.mode === 'fix') return;
      clearTimeout(timer);
      timer = setTimeout(save, AUTOSAVE_MS);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * One control per field of the definition, in its order: each change is written into
 * `record.data` (the typed text into `raw`, so a half-typed number is still checked), validated on
 * the spot, re-evaluates every field's `show_if` (and an imported form's calculations) and calls
 * `changed()`.
 */
function fieldControls(def, record, engine, raw, changed) {
  const data = record.data;
  const controls = new Map();
  const labels = Object.fromEntries(def.fields.map((f) => [f.key, localized(f, 'label')]));
  const updateVisibility = () => {
    engine?.recalculate(def, data);
    for (const field of def.fields) controls.get(field.key).setVisible(isShown(field, data));
  };
  for (const field of def.fields) {
    const labelled = { ...field, not_before_label: labels[field.not_before] };
    const control = (engine?.renderField || renderField)(labelled, data[field.key], (value, typed) => {
      if (value === undefined) delete data[field.key];
      else data[field.key] = value;
      raw[field.key] = typed;
      control.setError(fieldError(labelled, value, data, typed));
      updateVisibility();
      changed();
    });
    controls.set(field.key, control);
  }
  updateVisibility();
  return controls;
}

/**
 * Checks the whole form before `Kirim` (the same rules as the server, plus what was typed but could
 * not be read), marks every problem on its field and focuses the first one.
 * @returns {boolean} whether anything is wrong
 */
function markProblems({ def, record, raw, controls, subject }) {
  const data = record.data;
  const errors = formErrors(def, data);
  for (const [key, text] of Object.entries(raw)) {
    const field = def.fields.find((f) => f.key === key);
    const problem = field && fieldError(field, data[key], data, text);
    if (problem) errors[key] = problem;
  }
  for (const [key, control] of controls) control.setError(errors[key] || null);
  const badSubject = subject.check();
  if (!badSubject && !Object.keys(errors).length) return false;
  const { kelSelect, rwSelect, refSelect } = subject;
  const first = badSubject ? (rwSelect && !record.subject ? rwSelect.select : kelSelect?.select || refSelect?.select) : null;
  if (first) first.focus();
  else controls.get(Object.keys(errors)[0])?.focus();
  return true;
}

/** The outbox item for a checked form: only the definition's known answers, its photos by hash. */
function submissionOf({ def, record, subject }, user, bootstrap) {
  const clean = cleanData(def, record.data);
  const photoField = def.fields.find((f) => f.type === 'photo');
  const submission = {
    id: record.id, user_id: user.id, form: def.code, form_version: def.version,
    subject: subject.kind === 'ref' ? null : record.subject, ref: record.ref || null, supersedes: record.supersedes || null,
    observed_at: record.observed_at, data: clean, photos: photoHashes(def, clean), photo_field: photoField?.key,
    ref_label: record.ref_label || null, created_at: record.created_at,
  };
  submission.label = recordName(def, submission, bootstrap, record.observed_at);
  return { submission, clean };
}

/**
 * Into the outbox: a set-aside item is requeued under its own id; anything else is a new item (its
 * draft goes in the same transaction). A correction marks the record it supersedes; a conflict
 * sent as new closes the conflicting item.
 */
async function store(record, submission, clean) {
  if (record.mode === 'fix') {
    const item = await getOutboxItem(record.id);
    await requeue({ ...item, ...submission, created_at: item.created_at }, clean);
    return;
  }
  await enqueue(submission, record.id);
  if (record.supersedes) {
    const old = await getOutboxItem(record.supersedes);
    if (old) await putOutboxItem({ ...old, superseded_by: record.id });
  }
  if (record.conflictOf) {
    const old = await getOutboxItem(record.conflictOf);
    if (old) await putOutboxItem({ ...old, state: STATES.SENT, superseded_by: record.id, conflict_resolved: true });
  }
}

/** `Kirim`: check, queue, go home with the confirmation, and sync at once. */
async function submitForm(view, form) {
  if (markProblems(form)) {
    form.message.textContent = t('fixErrors');
    return;
  }
  form.sendButton.disabled = true;
  form.autosave.stop();
  const { submission, clean } = submissionOf(form, view.user, view.bootstrap);
  await store(form.record, submission, clean);
  form.autosave.stop();
  view.alive = false;
  sessionStorage.setItem('flash', t('queuedItem', { name: submission.label }));
  sessionStorage.setItem('flash_item', form.record.id);
  location.hash = '#/';
  registerBackgroundSync();
  syncNow(true);
}

/** What sits above the fields: the server's errors of a set-aside item, a correction's note, a reviewer's reason. */
function banners(record, controls, subject) {
  const banner = h('div', { class: 'banner-slot' });
  const observedControl = showServerErrors(record, controls, subject, banner);
  if (record.mode === 'correct') banner.append(h('p', { class: 'banner' }, t('correctionOf', { when: formatDateTime(record.correctedWhen || record.observed_at) })));
  if (record.reason) banner.append(h('p', { class: 'banner warn' }, t('reason', { reason: record.reason })));
  return { banner, observedControl };
}

/** Draw the loaded record: title, banners, subject, fields, `Simpan draf` and `Kirim`. */
function build(view, record, def, engine) {
  const raw = {};
  const autosave = autosaver(record);
  const subject = subjectControls(def, record, { bootstrap: view.bootstrap, user: view.user, changed: autosave.schedule });
  const controls = fieldControls(def, record, engine, raw, autosave.schedule);
  const { banner, observedControl } = banners(record, controls, subject);
  const message = h('p', { class: 'error', role: 'alert' });
  const saveButton = h('button', { type: 'button', class: 'secondary' }, t('saveDraft'));
  const sendButton = h('button', { type: 'submit' }, t('submit'));
  saveButton.addEventListener('click', async () => {
    await autosave.save();
    sessionStorage.setItem('flash', t('draftSaved'));
    location.hash = '#/';
  });
  const form = h('form', { class: 'form', novalidate: true },
    h('h1', {}, localized(def, 'title')), banner, subject.parts, observedControl?.el, [...controls.values()].map((c) => c.el), message,
    h('div', { class: 'actions' }, saveButton, sendButton),
    h('p', {}, h('a', { href: '#/' }, t('back'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitForm(view, { def, record, raw, controls, subject, autosave, message, sendButton });
  });
  mount(view.root, form);
  engine?.enhance(form, def);
  (subject.kelSelect?.select || subject.refSelect?.select || controls.values().next().value)?.focus?.();
}

/** Load the route's record (and an imported form's engine, on demand), then draw it unless the screen was left. */
async function open(view, code, params, definition) {
  const record = await loadRecord(code, params, definition, view.user);
  const def = findDefinition(view.bootstrap, code, record.form_version) || definition;
  const engine = def.source === 'xlsform' ? await import('../xform/engine.js') : null; // imported forms
  engine?.applyDefaults(def, record);
  if (!view.alive) return;
  // Yes/no questions start unanswered (no silent "Tidak"): a required one must be answered.
  build(view, record, def, engine);
}

export function renderForm(root, code, params) {
  const view = { root, alive: true, user: state.session.user, bootstrap: state.bootstrap };
  const definition = findDefinition(view.bootstrap, code);
  if (!definition) {
    mount(root, h('p', { class: 'error' }, `Formulir tidak dikenal: ${code}`), h('a', { href: '#/' }, t('back')));
    return () => {};
  }
  open(view, code, params, definition);
  // Leaving with an autosave pending lets the timer still save the draft (never lost).
  return () => {
    view.alive = false;
  };
}
