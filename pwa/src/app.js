/**
 * The app shell: header (language, logout), the status line (role="status": Daring/Luring and
 * "Belum terkirim: N"), banners, and a hash router over the views. Kiosk users get the kiosk view.
 */
import './style.css';
import { getMeta, setMeta } from './db.js';
import { getLang, setLang, t } from './i18n.js';
import { loadState, logout, startSyncSchedule, state, subscribe, syncNow } from './state.js';
import { h, mount } from './ui/dom.js';
import { renderStatusBar } from './ui/status.js';
import { kioskHeader } from './ui/staff.js';
import { renderLogin } from './ui/login.js';
import { renderHome } from './ui/home.js';
import { registerServiceWorker } from './update.js';

let root;
let view;
let cleanup = null;
let relogin = null; // the username to log in again after a 401 (data stays queued)

/** Parse "#/form/inspeksi-rw?draft=…" into {path: ['form', 'inspeksi-rw'], params}. */
export function parseRoute(hash) {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  return { path: path.split('/').filter(Boolean), params: Object.fromEntries(new URLSearchParams(query)) };
}

function header() {
  const toggle = h('button', { type: 'button', class: 'link', lang: getLang() === 'id' ? 'en' : 'id' }, t('language'));
  toggle.addEventListener('click', async () => {
    setLang(getLang() === 'id' ? 'en' : 'id');
    await setMeta('lang', getLang());
    render();
  });
  const out = state.session ? h('button', { type: 'button', class: 'link' }, t('logout')) : null;
  out?.addEventListener('click', async () => {
    await logout();
    location.hash = '#/';
    render();
  });
  if (state.session?.user.role === 'kiosk') {
    const sync = h('button', { type: 'button' }, t('sync'));
    sync.addEventListener('click', () => syncNow(true));
    return kioskHeader([sync, toggle, out]);
  }
  const who = state.session ? h('span', { class: 'who' }, state.session.user.name || state.session.user.username) : null;
  return h('header', { class: 'top' }, h('span', { class: 'brand' }, t('appName')), who, h('span', { class: 'spacer' }), toggle, out);
}

/** Draw the current route. */
export function render() {
  cleanup?.();
  cleanup = null;
  const route = parseRoute(location.hash);
  const isKiosk = state.session?.user.role === 'kiosk';
  // Known before the status bar is drawn: an update waits while a form is open.
  state.formOpen = Boolean(state.session) && !isKiosk && route.path[0] === 'form' && Boolean(route.path[1]);
  view = h('div', { class: 'view' });
  if (!state.session) {
    // No status line here: its appearance tells people and test scripts that the login finished.
    mount(root, header(), view);
    renderLogin(view, { username: relogin || '', onDone: () => { relogin = null; location.hash = '#/'; render(); syncNow(true); } });
    return;
  }
  mount(root, header(), renderStatusBar({ syncButton: !isKiosk }), view);
  if (isKiosk) {
    cleanup = onDemand(() => import('./ui/kiosk.js'), (module) => module.renderKiosk(view));
  } else if (state.formOpen) {
    cleanup = onDemand(() => import('./ui/form.js'), (module) => module.renderForm(view, route.path[1], route.params));
  } else {
    cleanup = renderHome(view);
  }
}

/**
 * Screens other than home load on demand (their chunks are precached by the service worker, so
 * this works offline): the first load stays small. Returns the cleanup for the screen, which also
 * covers a screen left before its module arrived.
 */
function onDemand(load, draw) {
  let inner = null;
  let left = false;
  load().then((module) => {
    if (!left) inner = draw(module);
  });
  return () => {
    left = true;
    inner?.();
  };
}

/** Boot: language, stored state, service worker, sync schedule, first render. */
export async function startApp(element) {
  root = element;
  registerServiceWorker(); // first: the shell is precached while the officer logs in
  setLang((await getMeta('lang')) || 'id');
  await loadState();
  window.addEventListener('hashchange', () => {
    // A kiosk has one screen: a changed address (back button, typed hash) must not restart it.
    if (state.session?.user.role === 'kiosk' && root.querySelector('.kiosk')) return;
    render();
  });
  document.addEventListener('sikk:relogin', async () => {
    relogin = state.session?.user.username || '';
    await logout();
    render();
  });
  document.addEventListener('sikk:state', () => {
    if (!state.session && !root.querySelector('#login-username')) render();
  });
  subscribe(() => document.dispatchEvent(new CustomEvent('sikk:state')));
  render();
  startSyncSchedule();
}
