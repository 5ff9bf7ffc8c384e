/**
 * The form engine of imported (XLSForm) forms, loaded on demand by ui/form.js (a dynamic import
 * precached by Workbox, so it works offline once the app is installed). Adds what imported forms
 * have beyond the built-in ones: `relevant` and `constraint` (+ message) through the XPath subset of
 * expr.js, `calculate`, `default`, `hint`, the question types time / note / acknowledge, and groups
 * rendered as sections. The outbox, drafts and sync are the built-in ones, unchanged.
 */
import { h, uid } from '../ui/dom.js';
import { localized } from '../i18n.js';
import { renderField as renderBase } from '../render/index.js';
import { registerXForm } from '../validate.js';
import { evaluate, holds, parse } from './expr.js';

const NUMERIC = new Set(['integer', 'decimal']);

/** Whether an imported question applies, given the other answers. */
export function relevant(field, data) {
  return !field.relevant || holds(field.relevant, data);
}

/** The constraint message when the constraint fails, else null. */
export function constraintError(field, value, data) {
  if (!field.constraint || holds(field.constraint, data, value)) return null;
  return localized(field, 'constraint_message') || field.constraint_message || 'Jawaban tidak memenuhi syarat.';
}

registerXForm({ relevant, constraintError });

/** Fill `default`s of a new record (numbers as numbers, acknowledge as true). */
export function applyDefaults(def, record) {
  if (record.mode !== 'new') return;
  for (const field of def.fields) {
    if (field.default === undefined || record.data[field.key] !== undefined) continue;
    if (NUMERIC.has(field.type)) record.data[field.key] = Number(field.default);
    else if (field.type === 'select_multiple') record.data[field.key] = String(field.default).split(/\s+/).filter(Boolean);
    else record.data[field.key] = field.default;
  }
}

/** Recompute every `calculate` field from the current answers. */
export function recalculate(def, data) {
  for (const field of def.fields) {
    if (field.type !== 'calculate' || !field.calculation) continue;
    let value;
    try {
      value = evaluate(parse(field.calculation), data);
    } catch {
      value = undefined;
    }
    if (typeof value === 'number' && !Number.isFinite(value)) value = undefined;
    if (value === undefined || value === '') delete data[field.key];
    else data[field.key] = value;
  }
}

function simple(el, extra = {}) {
  return { el, setError() {}, setVisible(shown) { el.hidden = !shown; }, focus() {}, ...extra };
}

/**
 * acknowledge: one checkbox, checked = true (never false: unchecked is unanswered). Built here, not
 * by the built-in renderer, whose yes/no questions are now two buttons ("Ya"/"Tidak").
 */
function renderAcknowledge(field, value, onValue) {
  const id = uid(field.key);
  const errorId = `${id}-error`;
  const hint = localized(field, 'hint');
  const help = hint ? h('p', { class: 'hint help', id: `${id}-help` }, hint) : null;
  const input = h('input', { id, type: 'checkbox', name: field.key, checked: value === true, 'aria-describedby': help ? `${id}-help ${errorId}` : errorId });
  input.addEventListener('change', () => onValue(input.checked ? true : undefined));
  const error = h('p', { class: 'error', id: errorId, hidden: true });
  const required = field.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null;
  // The mark stays outside <label>: the accessible name is exactly the definition's label.
  const el = h('div', { class: 'field field-check' }, input, h('div', { class: 'label-row' }, h('label', { for: id }, localized(field, 'label')), required), help, error);
  el.dataset.key = field.key;
  return {
    el,
    setError(message) {
      error.textContent = message || '';
      error.hidden = !message;
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
    setVisible(shown) { el.hidden = !shown; },
    focus() { input.focus(); },
  };
}

/**
 * Render one field of an imported form: the new types here, the rest by the built-in renderer
 * (which also shows the `hint` under the label).
 */
export function renderField(field, value, onValue) {
  if (field.type === 'calculate' || field.subject_field) { // a sheet's rw_id is the subject select above
    const el = h('div', { hidden: true });
    el.dataset.key = field.key;
    return simple(el, { setVisible() {} });
  }
  if (field.type === 'note') {
    const el = h('p', { class: 'note' }, localized(field, 'label'));
    el.dataset.key = field.key;
    return simple(el);
  }
  if (field.type === 'acknowledge') return renderAcknowledge(field, value, onValue);
  if (field.type === 'time') {
    // A plain text input of the built-in renderer (label, hint, error line), turned into type=time.
    const base = renderBase({ ...field, type: 'text' }, undefined, () => {});
    const input = base.el.querySelector('input');
    input.type = 'time';
    input.value = typeof value === 'string' ? value.slice(0, 5) : '';
    input.addEventListener('input', () => onValue(input.value || undefined));
    return base;
  }
  return renderBase(field, value, onValue);
}

/** Put the questions of each group in a section headed by the group's label. */
export function enhance(form, def) {
  const groups = new Map((def.groups || []).map((g) => [g.name, g]));
  let section = null;
  let current = null;
  for (const field of def.fields) {
    const el = form.querySelector(`[data-key="${CSS.escape(field.key)}"]`);
    if (!el) continue;
    if (!field.group) {
      current = null;
      continue;
    }
    if (field.group !== current) {
      current = field.group;
      const info = groups.get(field.group) || { label: field.group };
      section = h('section', { class: 'group' }, h('h2', {}, localized(info, 'label') || field.group));
      el.before(section);
    }
    section.append(el);
  }
}
