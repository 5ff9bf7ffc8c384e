/**
 * The generic form renderer: one control per field definition (docs/forms.md), each with a visible
 * label equal to the definition's label, an error line tied to it (aria-describedby) and
 * `setError(message)`. Field type families live in their own modules.
 */
import { h, uid } from '../ui/dom.js';
import { localized } from '../i18n.js';
import { renderBasic } from './basic.js';
import { renderChoices } from './choices.js';
import { renderGeopoint } from './geo.js';
import { renderPhoto } from './photo.js';
import './words.js';

const FAMILIES = {
  text: renderBasic, integer: renderBasic, decimal: renderBasic, date: renderBasic, datetime: renderBasic,
  boolean: renderBasic, select_one: renderBasic,
  select_multiple: renderChoices, likert: renderChoices,
  geopoint: renderGeopoint,
  photo: renderPhoto,
};

/** Group-like controls get a <fieldset> with the label as <legend>; the rest a <label for>. */
const GROUPED = new Set(['select_multiple', 'likert', 'geopoint', 'boolean']);

/**
 * Render one field.
 * @param {object} field the definition's field
 * @param {*} value the current value
 * @param {(value: *, raw?: string) => void} onValue called on every change
 * @returns {{el: HTMLElement, setError: (message: string|null) => void, setVisible: (shown: boolean) => void, focus: () => void}}
 */
export function renderField(field, value, onValue) {
  const id = uid(field.key);
  const errorId = `${id}-error`;
  const legendId = `${id}-legend`;
  const label = localized(field, 'label');
  const error = h('p', { class: 'error', id: errorId, hidden: true });
  // Help text from the definition (`hint`/`help`), under the label and read with the control.
  const helpText = localized(field, 'hint') || localized(field, 'help');
  const helpId = `${id}-help`;
  const help = helpText ? h('p', { class: 'hint help', id: helpId }, helpText) : null;
  const describedBy = help ? `${helpId} ${errorId}` : errorId;
  const family = FAMILIES[field.type] || renderBasic;
  const control = family(field, value, onValue, { id, errorId, label, legendId, describedBy });
  const required = field.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null;
  let wrapper;
  if (GROUPED.has(field.type)) {
    wrapper = h('fieldset', { class: 'field', 'aria-describedby': describedBy, role: field.type === 'boolean' ? 'radiogroup' : null },
      h('legend', { id: legendId }, label, required), help, control.el, error);
  } else {
    // The mark stays outside <label>: the accessible name is exactly the definition's label.
    wrapper = h('div', { class: 'field' }, h('div', { class: 'label-row' }, h('label', { for: id }, label), required), help, control.el, error);
  }
  wrapper.dataset.key = field.key;
  return {
    el: wrapper,
    setError(message) {
      error.textContent = message || '';
      error.hidden = !message;
      control.setInvalid?.(Boolean(message));
    },
    setVisible(shown) {
      wrapper.hidden = !shown;
    },
    focus() {
      control.focus?.();
    },
  };
}
