/**
 * Client-side checks of a form's values, as the officer types, with the server's Indonesian
 * messages (server/forms/validate.py is the judge; this only spares a round trip).
 */
import { t } from './i18n.js';

// The imported-form engine (xform/engine.js, loaded on demand) registers itself here.
let xform = null;
export function registerXForm(engine) {
  xform = engine;
}

/** True when `field` is shown given the other values (`show_if`: `equals` or `in` another field's value; imported forms: `relevant`). */
export function isShown(field, data) {
  if (field.relevant && xform) return xform.relevant(field, data);
  const cond = field.show_if;
  if (!cond) return true;
  const other = data[cond.field];
  if ('equals' in cond) return other === cond.equals;
  if ('in' in cond) return Array.isArray(cond.in) && cond.in.includes(other);
  return true;
}

export function isEmpty(value) {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function bounds(field, value, minKey, maxKey) {
  if (field.min !== undefined && field.min !== null && value < field.min) return t(minKey, { n: field.min });
  if (field.max !== undefined && field.max !== null && value > field.max) return t(maxKey, { n: field.max });
  return null;
}

/** The error of one field's value, or null. `raw` is the text typed (numbers), when different. */
export function fieldError(field, value, data = {}, raw = undefined) {
  if (!isShown(field, data)) return null;
  if (raw !== undefined && raw !== '' && (value === null || value === undefined)) {
    if (field.type === 'date') return t('dateFormat');
    if (field.type === 'datetime') return t('dateTimeFormat');
    return field.type === 'integer' ? t('integer') : t('number');
  }
  if (isEmpty(value)) return field.required && field.type !== 'calculate' ? t('required') : null;
  if (field.constraint && xform) return xform.constraintError(field, value, data);
  switch (field.type) {
    case 'text':
      if (field.pattern && !new RegExp(field.pattern).test(value)) return t('pattern');
      return bounds(field, value.length, 'minLength', 'maxLength');
    case 'integer':
      if (!Number.isInteger(value)) return t('integer');
      return bounds(field, value, 'min', 'max');
    case 'decimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) return t('number');
      return bounds(field, value, 'min', 'max');
    case 'select_multiple':
      return bounds(field, value.length, 'minChoices', 'maxChoices');
    case 'photo':
      if (field.max && value.length > field.max) return t('tooManyPhotos', { n: field.max });
      return null;
    case 'datetime':
      if (field.not_before && data[field.not_before] && new Date(value) < new Date(data[field.not_before])) {
        return t('notBefore', { label: field.not_before_label || field.not_before });
      }
      return null;
    default:
      return null;
  }
}

/** Every error of the form ({key: message}); hidden fields are skipped. */
export function formErrors(definition, data) {
  const errors = {};
  for (const field of definition.fields) {
    const message = fieldError(field, data[field.key], data);
    if (message) errors[field.key] = message;
  }
  return errors;
}

/** Parse what was typed in a number field: "42,86" and "42.86" are both 42.86; junk is null. */
export function parseNumber(text, integer) {
  const cleaned = String(text).trim().replace(/\s/g, '');
  if (cleaned === '') return undefined;
  if (integer) return /^-?\d+$/.test(cleaned) ? Number.parseInt(cleaned, 10) : null;
  if (!/^-?\d+([.,]\d+)?$/.test(cleaned)) return null;
  return Number.parseFloat(cleaned.replace(',', '.'));
}

/** The values to send: hidden fields dropped, empty values left out. */
export function cleanData(definition, data) {
  const out = {};
  for (const field of definition.fields) {
    const value = data[field.key];
    if (!isShown(field, data) || isEmpty(value)) continue;
    out[field.key] = value;
  }
  return out;
}
