/**
 * The kiosk's staff controls. A tablet at the service desk is used by citizens, so nothing on
 * screen may leave the survey: sync, language and log out are in a panel that opens only after a
 * long press (1,5 s, touch or mouse) on the SIKK mark. A short tap does nothing.
 */
import { t } from '../i18n.js';
import { h } from './dom.js';

export const LONG_PRESS_MS = 1500;

/**
 * @param {HTMLElement[]} controls the staff's buttons (sync, language, log out)
 * @returns {HTMLElement} the header: the mark and the (hidden) panel
 */
export function kioskHeader(controls) {
  const close = h('button', { type: 'button', class: 'secondary' }, t('staffClose'));
  const panel = h('div', { class: 'staff banner', id: 'staff-panel', role: 'group', 'aria-label': t('staffMenu'), hidden: true }, controls, close);
  const mark = h('span', { class: 'brand kiosk-mark', 'data-long-press': 'staff' }, t('appName'));
  let timer = null;
  const open = () => {
    panel.hidden = false;
    controls[0]?.focus();
  };
  const start = () => {
    clearTimeout(timer);
    timer = setTimeout(open, LONG_PRESS_MS);
  };
  const stop = () => clearTimeout(timer);
  mark.addEventListener('pointerdown', start);
  for (const type of ['pointerup', 'pointerleave', 'pointercancel']) mark.addEventListener(type, stop);
  mark.addEventListener('contextmenu', (event) => event.preventDefault()); // a long touch opens no menu
  close.addEventListener('click', () => { panel.hidden = true; });
  return h('header', { class: 'top kiosk-top' }, mark, h('span', { class: 'spacer' }), panel);
}
