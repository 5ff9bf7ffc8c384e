/**
 * Service worker registration and the update prompt. A new version waits ("Versi baru tersedia")
 * and is applied only on the officer's tap while no form is open; IndexedDB is never touched, so
 * queued data survives every update.
 */
import { t } from './i18n.js';
import { state } from './state.js';
import { h } from './ui/dom.js';

let waiting = null;
let refreshBanner = null; // the banner on screen

function refreshBanners() {
  refreshBanner?.();
}

/**
 * Resolve once the shell is precached: the worker being installed reaches `activated` (or fails:
 * `redundant`). Nothing installing and nothing active (service workers blocked): resolve at once.
 */
function shellPrecached(registration) {
  if (!registration) return null; // service workers blocked (enterprise policy, test harness)
  if (registration.active) return registration;
  const worker = registration.installing || registration.waiting;
  if (!worker) return null;
  return new Promise((resolve) => {
    const check = () => {
      if (worker.state === 'activated' || worker.state === 'redundant') resolve(registration);
    };
    worker.addEventListener('statechange', check);
    check();
  });
}

export function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  const registering = navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' });
  state.shellReady = registering.then(shellPrecached, () => null);
  registering.then((registration) => {
    if (!registration) return;
    const track = (worker) => {
      worker?.addEventListener('statechange', () => {
        if (worker.state === 'installed' && navigator.serviceWorker.controller) {
          waiting = worker;
          refreshBanners();
        }
      });
    };
    if (registration.waiting && navigator.serviceWorker.controller) {
      waiting = registration.waiting;
      refreshBanners();
    }
    registration.addEventListener('updatefound', () => track(registration.installing));
    setInterval(() => registration.update().catch(() => {}), 30 * 60 * 1000);
  }).catch(() => {});
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading || !waiting) return;
    reloading = true;
    location.reload();
  });
}

/** The banner (hidden until an update waits); its button is disabled while a form is open. */
export function updateBanner() {
  const text = h('p', {});
  const button = h('button', { type: 'button' }, t('updateNow'));
  const banner = h('div', { class: 'banner', hidden: true }, text, button);
  button.addEventListener('click', () => {
    if (waiting && !state.formOpen) waiting.postMessage({ type: 'SKIP_WAITING' });
  });
  const refresh = () => {
    banner.hidden = !waiting;
    text.textContent = state.formOpen ? t('updateAfterForm') : t('updateReady');
    button.disabled = state.formOpen;
  };
  refreshBanner = refresh;
  refresh();
  return banner;
}
