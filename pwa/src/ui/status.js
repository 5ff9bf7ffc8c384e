/**
 * The status bar on every screen: one role="status" element ("Daring (online) · Belum terkirim: N"),
 * the `Sinkronkan` button with progress, and banners (log in again, update, storage low).
 */
import { t, formatDateTime } from '../i18n.js';
import { getMeta } from '../db.js';
import { registerBackgroundSync, state, syncNow } from '../state.js';
import { h } from './dom.js';
import { updateBanner } from '../update.js';

export function statusText() {
  return `${state.online ? t('online') : t('offline')} · ${t('unsent', { n: state.unsent })}`;
}

let refreshCurrent = null;
let listening = false;

/** @param {{syncButton?: boolean}} options the kiosk keeps `Sinkronkan` in its staff panel */
export function renderStatusBar({ syncButton = true } = {}) {
  const status = h('p', { role: 'status', class: 'status', id: 'sync-status' }, statusText());
  const progress = h('p', { class: 'progress', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', class: 'sync', hidden: !syncButton }, t('sync'));
  const auth = h('div', { class: 'banner warn', hidden: true },
    h('p', {}, t('authRequired')),
    h('button', { type: 'button', onclick: () => document.dispatchEvent(new CustomEvent('sikk:relogin')) }, t('loginAgain')));
  const update = updateBanner();

  async function describeLast() {
    const result = state.lastResult;
    if (state.syncing) return t('syncing', state.syncing);
    if (result?.status === 'offline') return t('syncOffline');
    if (result?.status === 'retry') return t('syncRetry');
    const last = await getMeta('last_sync');
    const parts = [];
    if (result?.status === 'ok') {
      parts.push(t('syncDone', { sent: result.sent }));
      if (result.invalid) parts.push(`${t('needsFix')}: ${result.invalid}.`);
      if (result.conflict) parts.push(`${t('state_conflict')}: ${result.conflict}.`);
    }
    if (last) parts.push(t('lastSync', { when: formatDateTime(last) }));
    return parts.join(' ');
  }

  async function refresh() {
    status.textContent = statusText();
    status.classList.toggle('offline', !state.online);
    auth.hidden = !state.authRequired || !state.session; // on the login screen itself: no "Masuk lagi"
    button.disabled = Boolean(state.syncing);
    progress.textContent = await describeLast();
  }

  button.addEventListener('click', async () => {
    await syncNow(true);
    registerBackgroundSync();
  });
  refreshCurrent = refresh; // only the bar on screen listens
  if (!listening) {
    listening = true;
    document.addEventListener('sikk:state', () => refreshCurrent?.());
  }
  refresh();
  return h('section', { class: 'statusbar', 'aria-label': 'Sinkronisasi' }, h('div', { class: 'row' }, status, button), progress, auth, update);
}
