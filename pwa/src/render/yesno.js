/**
 * Yes/no as two explicit buttons, "Ya" and "Tidak", so an unanswered question looks unanswered
 * (a checkbox cannot tell "no" from "not asked yet").
 *
 * Accessibility: a group (<fieldset role="radiogroup">, named by its legend, the field's label) of
 * two role="radio" buttons with aria-checked. "Ya" is labelled by the question and its own word
 * ("Ada kebun TOGA … Ya"), so a script or screen reader that looks for the question's label finds
 * the control that answers it, and `check()` on it means "Ya"; "Tidak" carries its word only.
 */
import { h } from '../ui/dom.js';
import { t } from '../i18n.js';

export function renderYesNo(field, value, onValue, { id, legendId }) {
  let current = value === true || value === false ? value : undefined;
  const yesText = h('span', { id: `${id}-yes` }, t('yes'));
  const yes = h('button', { type: 'button', role: 'radio', id, class: 'yesno', 'aria-labelledby': `${legendId} ${id}-yes` }, yesText);
  const no = h('button', { type: 'button', role: 'radio', class: 'yesno' }, t('no'));
  const unanswered = h('span', { class: 'hint' }, t('unanswered'));
  function draw() {
    yes.setAttribute('aria-checked', String(current === true));
    no.setAttribute('aria-checked', String(current === false));
    // Roving focus as in a radio group: the chosen one (or the first) is in the tab order.
    yes.tabIndex = current === false ? -1 : 0;
    no.tabIndex = current === false ? 0 : -1;
    unanswered.hidden = current !== undefined;
  }
  function choose(answer) {
    current = answer;
    draw();
    onValue(answer);
  }
  yes.addEventListener('click', () => choose(true));
  no.addEventListener('click', () => choose(false));
  for (const button of [yes, no]) {
    button.addEventListener('keydown', (event) => {
      if (!['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'].includes(event.key)) return;
      event.preventDefault();
      const other = button === yes ? no : yes;
      other.focus();
      choose(other === yes);
    });
  }
  draw();
  return {
    el: h('div', { class: 'row yesno-row' }, yes, no, unanswered),
    setInvalid() {}, // the group's error line (aria-describedby on the fieldset) says it
    focus: () => (current === false ? no : yes).focus(),
  };
}
