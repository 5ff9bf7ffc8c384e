/**
 * Home: what to do today, answered from what the device holds (works offline).
 *
 *   confirmation   after `Kirim`: "Masuk kotak keluar: …", turning into "Terkirim: …" on the ack
 *   Perlu perbaikan records a reviewer sent back, each a button (title · subject · date) that opens
 *                  the record prefilled as a correction, with the reviewer's `Alasan`
 *   Ditolak        rejected records with their reason
 *   Tugas hari ini due work, counted and sorted (src/today.js), each row one tap to its form
 *   Formulir       one link per form (named with its title), its one-line description and counts
 *   Draf           a button per draft (title · subject · date)
 *   Kotak keluar   unsent items with their state and action; sent items grouped and collapsed
 */
import { deleteDraft, getMeta, listDrafts, listOutbox, listReviews } from '../db.js';
import { formatBytes, getLang, localized, t } from '../i18n.js';
import { STATES } from '../outbox.js';
import { getOpenItems, pendingCorrections, rejected } from '../news.js';
import { dueWork, formCounts } from '../today.js';
import { state, storageInfo } from '../state.js';
import { latestForms, draftName, findDefinition, recordName } from './forms.js';
import { h, mount, yieldToMain } from './dom.js';

const SHOWN_PER_GROUP = 5;

/** An outbox item's name in the current language (the stored label is the fallback). */
function itemName(item) {
  const def = findDefinition(state.bootstrap, item.form, item.form_version);
  return def ? recordName(def, item, state.bootstrap, item.observed_at) : item.label || item.form;
}

function go(text, href, cls = 'small', attrs = {}) {
  const button = h('button', { type: 'button', class: cls, ...attrs }, text);
  button.addEventListener('click', () => { location.hash = href; });
  return button;
}

function section(id, title, ...children) {
  return h('section', { 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

/**
 * A section below the first screenful: laid out and painted only when it comes near the viewport
 * (`content-visibility: auto`, style.css `.later`), so the home's first frame costs less on a
 * slow phone. It stays in the DOM and the accessibility tree.
 */
function laterSection(id, title, ...children) {
  const el = section(id, title, ...children);
  el.classList.add('later');
  return el;
}

/** Everything the home shows, read from IndexedDB in one go (the user's own items only). */
async function readHome(userId) {
  const [drafts, outbox, reviews, openItems, remembered] = await Promise.all([
    listDrafts(userId),
    listOutbox().then((items) => items.filter((item) => item.user_id === userId)),
    listReviews(userId),
    getOpenItems(userId),
    getMeta(`last_inspection:${userId}`),
  ]);
  return { drafts, outbox, reviews, openItems, remembered: remembered || {} };
}

/** After `Kirim`: "Masuk kotak keluar: …" turns into "Terkirim: …" once the server acknowledged that item. */
function drawFlash(flash, flashId, { outbox }) {
  if (!flash || !flashId) return;
  const item = outbox.find((i) => i.id === flashId);
  if (item?.state === STATES.SENT) {
    flash.textContent = t('sentItem', { name: itemName(item) });
    flash.classList.add('done');
  }
}

/** A reviewed record with its reason: a button opening the correction (sent back) or plain text (rejected). */
function reviewRow(review, action) {
  const def = findDefinition(state.bootstrap, review.form, review.form_version);
  const name = recordName(def, review, state.bootstrap, review.observed_at);
  const reasonId = `reason-${review.id}`;
  const reason = h('p', { class: 'reason', id: reasonId }, t('reason', { reason: review.reason || '—' }));
  const head = action ? go(name, `#/form/${review.form}?review=${review.id}`, 'grow', { 'aria-describedby': reasonId }) : h('p', { class: 'name' }, name);
  return h('li', { class: `item ${review.status}` }, head, reason);
}

/** `Perlu perbaikan` (only when there is one) and `Ditolak` (the newest 20). */
function drawReviews(box, { reviews, outbox }) {
  const fixes = pendingCorrections(reviews, outbox);
  const refused = rejected(reviews);
  const parts = [];
  if (fixes.length) parts.push(section('h-returned', t('needsFix'), h('ul', { class: 'list' }, fixes.map((r) => reviewRow(r, true)))));
  if (refused.length) parts.push(section('h-rejected', t('rejectedTitle'), h('ul', { class: 'list' }, refused.slice(0, 20).map((r) => reviewRow(r, false)))));
  mount(box, parts);
}

/** One group of "Tugas hari ini": its count, the first rows, the rest behind "Tampilkan N lagi". */
function taskGroup(group) {
  const id = `task-${group.kind}`;
  const items = group.rows.map((row) => h('li', {},
    h('a', { class: 'task', href: row.href }, row.label),
    row.detail ? h('span', { class: row.late ? 'badge due' : 'hint' }, ` ${group.kind === 'report' ? t('dueBy', { date: row.detail }) : t('lastVisit', { date: row.detail })}${row.late ? ` · ${t('late')}` : ''}`) : null));
  const shown = items.slice(0, SHOWN_PER_GROUP);
  const rest = items.slice(SHOWN_PER_GROUP);
  return h('div', { class: 'group' },
    h('h3', { id }, `${t(`task_${group.kind}`)} (${group.rows.length})`),
    h('ul', { class: 'tasks', 'aria-labelledby': id }, shown),
    rest.length ? h('details', {}, h('summary', {}, t('showMore', { n: rest.length })), h('ul', { class: 'tasks' }, rest)) : null);
}

/** "Tugas hari ini": the due work (`dueWork` of src/today.js, for the forms the role may fill), counted. */
function drawToday(box, groups) {
  if (!groups.length) {
    mount(box, h('p', { class: 'hint' }, t('todayEmpty')));
    return;
  }
  const total = groups.reduce((n, g) => n + g.rows.length, 0);
  mount(box, h('p', { class: 'hint' }, t('todayCount', { n: total })), groups.map(taskGroup));
}

/** `Formulir`: one link per form named with its title, its description and counts under it. */
function drawForms(box, { drafts, outbox }, forms) {
  const counts = formCounts(drafts, outbox);
  mount(box, h('ul', { class: 'forms' }, forms.map((form) => {
    const c = counts[form.code] || { drafts: 0, waiting: 0, sent: 0 };
    const descId = `desc-${form.code}`;
    const description = localized(form, 'description');
    return h('li', {},
      h('a', { class: 'button', href: `#/form/${form.code}`, 'aria-describedby': descId }, localized(form, 'title')),
      h('p', { class: 'hint', id: descId }, description ? `${description} · ` : '', t('counts', c)));
  })));
}

/** `Draf`: a button per draft (title · subject · date) and one to delete it; `deleted()` redraws. */
function drawDrafts(box, { drafts }, deleted) {
  if (!drafts.length) {
    mount(box, h('p', { class: 'hint' }, t('noDrafts')));
    return;
  }
  mount(box, h('ul', { class: 'list' }, drafts.map((draft) => {
    const name = draftName(draft, state.bootstrap);
    const remove = h('button', { type: 'button', class: 'secondary small', 'aria-label': t('deleteDraft', { name }) }, '✕');
    remove.addEventListener('click', async () => {
      await deleteDraft(draft.id);
      deleted();
    });
    const open = go(name, `#/form/${draft.form}?draft=${draft.id}`, 'grow');
    return h('li', { class: 'row' }, open, remove);
  })));
}

/** An outbox item: its state, its review state, its name, the server's errors and what can be done with it. */
function outboxRow(item) {
  const name = itemName(item);
  const badge = h('span', { class: `badge ${item.state}` }, t(`state_${item.state}`));
  const review = item.review?.status ? h('span', { class: `badge ${item.review.status}` }, t(`review_${item.review.status}`)) : null;
  let action = null;
  if (item.state === STATES.INVALID) action = go(t('fix', { name }), `#/form/${item.form}?fix=${item.id}`);
  if (item.state === STATES.CONFLICT) action = go(t('sendAsNew', { name }), `#/form/${item.form}?fix=${item.id}`);
  if (item.state === STATES.SENT && !item.superseded_by && item.review?.status !== 'rejected') action = go(t('correct', { name }), `#/form/${item.form}?correct=${item.id}`, 'small secondary');
  const errors = item.errors ? h('p', { class: 'error' }, Object.values(item.errors).join(' ')) : null;
  return h('li', { class: `item ${item.state}` }, h('div', {}, badge, ' ', review, review ? ' ' : null, name), errors, action);
}

/** `Kotak keluar`: unsent items newest first, sent ones under a collapsed "Terkirim (N)" (kept open if it was). */
function drawOutbox(box, { outbox }) {
  const items = [...outbox].reverse();
  const open = items.filter((item) => item.state !== STATES.SENT);
  const sent = items.filter((item) => item.state === STATES.SENT);
  if (!open.length && !sent.length) {
    mount(box, h('p', { class: 'hint' }, t('noOutbox')));
    return;
  }
  const wasOpen = box.querySelector('details.sent')?.open;
  mount(box,
    open.length ? h('ul', { class: 'list' }, open.map(outboxRow)) : null,
    sent.length ? h('details', { class: 'sent', open: Boolean(wasOpen) }, h('summary', {}, t('sentGroup', { n: sent.length })), h('ul', { class: 'list' }, sent.map(outboxRow))) : null);
}

/** Storage use, and a warning when space runs low. */
async function drawStorage(box, isAlive) {
  const info = await storageInfo();
  if (!info || !isAlive()) return;
  box.textContent = t('storage', { used: formatBytes(info.usage), quota: formatBytes(info.quota) })
    + (info.persisted ? ` ${t('persisted')}` : '');
  if (info.low) box.append(h('strong', { class: 'error', role: 'alert' }, ` ${t('storageLow')}`));
}

/**
 * What the screen shows depends on these only: when a state event changes none of them (most
 * events at start-up: online check, counts), the DOM is left alone — no work, no layout shift.
 */
function signature(data) {
  return JSON.stringify([
    getLang(),
    data.drafts.map((d) => [d.id, d.updated_at]), data.outbox.map((i) => [i.id, i.state, i.review?.status, i.superseded_by]),
    data.reviews.map((r) => [r.id, r.status, r.superseded_by]), data.openItems, data.remembered,
  ]);
}

/**
 * `run` one at a time: state events come in bursts, so a call while one runs asks for exactly one
 * more run after it (with the data of that moment), never a second run alongside.
 */
function oneAtATime(run) {
  let pending = null;
  let again = false;
  const trigger = () => {
    if (pending) {
      again = true;
      return pending;
    }
    pending = run().finally(() => {
      pending = null;
      if (again) {
        again = false;
        trigger();
      }
    });
    return pending;
  };
  return trigger;
}

/**
 * Draw every part into its box. The first time, the boxes are not on screen yet: each part is its
 * own short task (the phone stays responsive while the home is built), and the whole screen
 * appears at once, filled, so nothing below it moves as parts arrive. Later redraws run in one go,
 * so the screen never shows half of an update.
 */
async function drawParts(view, data, first) {
  const { boxes, forms } = view;
  let groups = null;
  const steps = [
    () => drawFlash(view.flash, view.flashId, data),
    () => drawReviews(boxes.review, data),
    () => { groups = dueWork({ bootstrap: state.bootstrap, formCodes: forms.map((f) => f.code), ...data }); },
    () => drawToday(boxes.today, groups),
    () => drawForms(boxes.forms, data, forms),
    () => drawDrafts(boxes.drafts, data, view.redraw),
    () => drawOutbox(boxes.outbox, data),
  ];
  for (const step of steps) {
    if (first) await yieldToMain();
    if (!view.alive) return false;
    step();
  }
  return true;
}

/** The screen's frame, mounted once: the confirmation, the reviews, then one section per part. */
function mountHome(root, view) {
  const { boxes, flash } = view;
  mount(root, flash, boxes.review,
    section('h-today', t('today'), boxes.today),
    laterSection('h-forms', t('forms'), boxes.forms),
    laterSection('h-drafts', t('drafts'), boxes.drafts),
    laterSection('h-outbox', t('outbox'), boxes.outbox),
    boxes.storage);
  drawStorage(boxes.storage, () => view.alive);
  // After `Kirim` the confirmation is where the officer looks: at the top, focused.
  if (flash) {
    flash.tabIndex = -1;
    flash.focus();
  }
}

export function renderHome(root) {
  const user = state.session.user;
  const flashText = sessionStorage.getItem('flash');
  const view = {
    alive: true,
    forms: latestForms(state.bootstrap, user.role),
    flashId: sessionStorage.getItem('flash_item'),
    flash: flashText ? h('p', { class: 'flash', 'aria-live': 'polite' }, flashText) : null,
    boxes: { review: h('div'), today: h('div'), forms: h('div'), drafts: h('div'), outbox: h('div'), storage: h('p', { class: 'hint' }) },
  };
  sessionStorage.removeItem('flash');
  sessionStorage.removeItem('flash_item');
  let shown = null;
  let shownBootstrap = null;
  view.redraw = oneAtATime(async () => {
    const data = await readHome(user.id);
    const sig = signature(data);
    if (!view.alive || (sig === shown && state.bootstrap === shownBootstrap)) return;
    const first = shown === null;
    shown = sig;
    shownBootstrap = state.bootstrap;
    if (await drawParts(view, data, first) && first) mountHome(root, view);
  });
  document.addEventListener('sikk:state', view.redraw);
  view.redraw();
  return () => {
    view.alive = false;
    document.removeEventListener('sikk:state', view.redraw);
  };
}
