/**
 * The service worker (Workbox injectManifest): precache the app shell by hashed asset names and
 * answer app navigations with the cached index.html, so the app opens with no signal.
 *
 * What it never does: intercept POST/PUT (only GET routes are registered), cache /api/ responses or
 * anything user-specific (the IndexedDB outbox is the only store of user data), or take over by
 * itself — a new version waits until the page says no form is open (message SKIP_WAITING).
 * Background Sync: the `sync` event asks an open page to sync; with no page open, it runs the same
 * outbox code here, then pulls the review feed and open items as the page would (IndexedDB stays
 * the source of truth). A pull cut off by the network fails the event, so the browser retries it.
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { clientsClaim } from 'workbox-core';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { createApi } from './api.js';
import { getBootstrap, getMeta } from './db.js';
import { pullNews } from './news.js';
import { syncOutbox } from './outbox.js';

export const SYNC_TAG = 'sikk-outbox';

// The first install controls the open page at once (offline right after the first login);
// later versions wait for SKIP_WAITING.
clientsClaim();
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL('/app/index.html'), {
  allowlist: [/^\/app(\/|$)/],
}));

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting();
});

async function syncFromWorker() {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  if (windows.length) {
    for (const client of windows) client.postMessage({ type: 'SYNC' });
    return;
  }
  const session = await getMeta('session');
  if (!session || !session.token) return;
  const api = createApi({ getToken: async () => session.token });
  const result = await syncOutbox({ api, userId: session.user.id });
  if (result.status === 'retry' || result.status === 'offline') throw new Error('retry later');
  // The reviewers' decisions too, so the officer sees them on opening the app, even offline.
  const bootstrap = (await getBootstrap())?.body;
  await pullNews(api, session.user.id, { keepDays: bootstrap?.keep_sent_days });
}

self.addEventListener('sync', (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(syncFromWorker());
});
