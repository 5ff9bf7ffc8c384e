/**
 * Single-input fields: text, integer, decimal, date, datetime, select_one, and yes/no (boolean).
 *
 * Dates are typed and shown day-first whatever the browser's locale ("23/11/2026"; ISO typed by a
 * machine is accepted too) and stored as ISO; date-times likewise ("23/11/2026 09.30") with a
 * `Sekarang` button, stored with the device's offset.
 */
import { h } from '../ui/dom.js';
import { formatDate, formatDateTime, isoLocal, localized, parseDate, parseDateTime, t } from '../i18n.js';
import { parseNumber } from '../validate.js';
import { renderYesNo } from './yesno.js';

function numberText(value) {
  if (value === undefined || value === null) return '';
  return String(value).replace('.', ',');
}

/** The typed text → [value, raw]: raw is kept (for "wrong format") only when it does not parse. */
function typedDate(text, parse) {
  if (text.trim() === '') return [undefined, undefined];
  const value = parse(text);
  return [value ?? undefined, value ? undefined : text];
}

export function renderBasic(field, value, onValue, ids) {
  if (field.type === 'boolean') return renderYesNo(field, value, onValue, ids);
  const { id, errorId } = ids;
  const common = { id, name: field.key, 'aria-describedby': ids.describedBy || errorId, required: Boolean(field.required) };
  let input;
  let el = null;
  switch (field.type) {
    case 'integer':
    case 'decimal':
      input = h('input', { ...common, type: 'text', inputmode: field.type === 'integer' ? 'numeric' : 'decimal', autocomplete: 'off', value: numberText(value) });
      input.addEventListener('input', () => onValue(parseNumber(input.value, field.type === 'integer'), input.value));
      break;
    case 'date':
      input = h('input', { ...common, type: 'text', inputmode: 'numeric', autocomplete: 'off', placeholder: t('datePlaceholder'), value: formatDate(value) });
      input.addEventListener('input', () => onValue(...typedDate(input.value, parseDate)));
      input.addEventListener('change', () => { if (parseDate(input.value)) input.value = formatDate(parseDate(input.value)); });
      break;
    case 'datetime': {
      input = h('input', { ...common, type: 'text', autocomplete: 'off', placeholder: t('dateTimePlaceholder'), value: value ? formatDateTime(value) : '' });
      const emit = () => {
        const [date, raw] = typedDate(input.value, parseDateTime);
        onValue(date ? isoLocal(date) : undefined, raw);
      };
      input.addEventListener('input', emit);
      input.addEventListener('change', () => { const d = parseDateTime(input.value); if (d) input.value = formatDateTime(d); });
      // Named "Sekarang" only: an aria-label holding the field's label would make the field's label
      // point at two controls (get_by_label), and it sits right next to its field anyway.
      const now = h('button', { type: 'button', class: 'secondary small' }, t('now'));
      now.addEventListener('click', () => {
        input.value = formatDateTime(new Date());
        emit();
      });
      el = h('div', { class: 'row nowrap' }, input, now);
      break;
    }
    case 'select_one': {
      const options = (field.choices || []).map((choice) => h('option', { value: String(choice.value), selected: String(choice.value) === String(value ?? '') }, localized(choice, 'label')));
      input = h('select', common, h('option', { value: '' }, t('choose')), options);
      input.addEventListener('change', () => {
        const choice = (field.choices || []).find((c) => String(c.value) === input.value);
        onValue(choice ? choice.value : undefined);
      });
      break;
    }
    default: {
      const long = (field.max || 0) > 200;
      input = long
        ? h('textarea', { ...common, rows: 3 }, value || '')
        : h('input', { ...common, type: 'text', value: value || '' });
      input.addEventListener('input', () => onValue(input.value === '' ? undefined : input.value));
    }
  }
  return {
    el: el || input,
    setInvalid(invalid) {
      if (invalid) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
    focus: () => input.focus(),
  };
}
