/** Single-input fields: text, integer, decimal, date, datetime, boolean (checkbox), select_one. */
import { h } from '../ui/dom.js';
import { isoLocal, localized, t } from '../i18n.js';
import { parseNumber } from '../validate.js';

/** "2026-03-14T09:30:00+07:00" → "2026-03-14T09:30" for <input type=datetime-local>. */
function toLocalInput(iso) {
  if (!iso) return '';
  return isoLocal(new Date(iso)).slice(0, 16);
}

function numberText(value) {
  if (value === undefined || value === null) return '';
  return String(value).replace('.', ',');
}

export function renderBasic(field, value, onValue, { id, errorId }) {
  const common = { id, name: field.key, 'aria-describedby': errorId, required: Boolean(field.required) && field.type !== 'boolean' };
  let input;
  switch (field.type) {
    case 'integer':
    case 'decimal':
      input = h('input', { ...common, type: 'text', inputmode: field.type === 'integer' ? 'numeric' : 'decimal', autocomplete: 'off', value: numberText(value) });
      input.addEventListener('input', () => onValue(parseNumber(input.value, field.type === 'integer'), input.value));
      break;
    case 'date':
      input = h('input', { ...common, type: 'date', value: value || '' });
      input.addEventListener('input', () => onValue(input.value || undefined));
      break;
    case 'datetime':
      input = h('input', { ...common, type: 'datetime-local', value: toLocalInput(value) });
      input.addEventListener('input', () => onValue(input.value ? isoLocal(new Date(input.value)) : undefined));
      break;
    case 'boolean':
      input = h('input', { ...common, type: 'checkbox', checked: value === true });
      input.addEventListener('change', () => onValue(input.checked));
      break;
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
    el: input,
    setInvalid(invalid) {
      if (invalid) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
    focus: () => input.focus(),
  };
}
