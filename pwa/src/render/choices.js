/** Choice groups: select_multiple (checkboxes) and likert 1–4 (radio buttons with the answer words). */
import { h } from '../ui/dom.js';
import { localized } from '../i18n.js';

export function renderChoices(field, value, onValue, { id }) {
  const multiple = field.type === 'select_multiple';
  const selected = new Set(multiple ? value || [] : value === undefined ? [] : [value]);
  const inputs = [];
  const choices = field.choices || (field.type === 'likert' ? [1, 2, 3, 4].map((n) => ({ value: n, label: String(n) })) : []);
  const items = choices.map((choice, index) => {
    const inputId = `${id}-${index}`;
    const input = h('input', { type: multiple ? 'checkbox' : 'radio', id: inputId, name: id, value: String(choice.value), checked: selected.has(choice.value) });
    input.addEventListener('change', () => {
      if (multiple) {
        const values = choices.filter((_, i) => inputs[i].checked).map((c) => c.value);
        onValue(values.length ? values : undefined);
      } else if (input.checked) {
        onValue(choice.value);
      }
    });
    inputs.push(input);
    const text = field.type === 'likert' ? `${choice.value} — ${localized(choice, 'label')}` : localized(choice, 'label');
    return h('div', { class: 'choice' }, input, h('label', { for: inputId }, text));
  });
  return {
    el: h('div', { class: field.type === 'likert' ? 'choices likert' : 'choices' }, items),
    setInvalid() {},
    focus: () => inputs[0]?.focus(),
  };
}
