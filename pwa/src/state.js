/**
 * The page's shared state and the sync schedule: who is logged in, the cached bootstrap, online or
 * not, how many items wait, and when to sync (on `Sinkronkan`, on `online`, on start, every minute
 * while open, on a Background Sync message from the service worker). The review feed is pulled
 * after a sync and also when the app comes back on screen (src/freshness.js).
 */
import { AuthError, createApi, NetworkError } from './api.js';
import * as db from './db.js';
import { countUnsent, outboxEvents, syncOutbox } from './outbox.js';
import { pullNews } from './news.js';
import { pullWhenVisible } from './freshness.js';

export const SYNC_TAG = 'sikk-outbox';
const PERIODIC_SYNC_MS = 60 * 1000;
const ONLINE_CHECK_MS = 30 * 1000;
const NEWS_EVERY_MS = 5 * 60 * 1000; // the periodic run asks for reviews at most this often

export const state = {
  session: null, // {token, user}
  bootstrap: null, // GET /api/v1/bootstrap body
  online: false,
  unsent: 0,
  syncing: null, // {done, total} while a run is on
  lastResult: null,
  authRequired: false,
  formOpen: false,
  newsAt: 0, // when reviews and open items were last pulled
  shellReady: null, // set by update.js: the service worker's readiness
};

const listeners = new Set();

/** Subscribe to state changes; returns the unsubscribe function. */
export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit() {
  for (const listener of listeners) listener(state);
}

export const api = createApi({ getToken: async () => state.session?.token || null });

/** Load what the device remembers: session, bootstrap, auth flag, unsent count. */
export async function loadState() {
  state.session = (await db.getMeta('session')) || null;
  state.bootstrap = (await db.getBootstrap())?.body || null;
  state.authRequired = Boolean(await db.getMeta('auth_required'));
  await refreshCount();
}

export async function refreshCount() {
  state.unsent = await countUnsent(state.session ? state.session.user.id : undefined);
  emit();
}

/** Log in (online only): store the token, then fetch the bootstrap. */
export async function login(username, password) {
  const result = await api.login(username, password, navigator.userAgent.slice(0, 120));
  state.session = { token: result.token, user: result.user };
  await db.setMeta('session', state.session);
  await db.deleteMeta('auth_required');
  state.authRequired = false;
  try {
    await refreshBootstrap(true);
  } catch (error) {
    // Without its bootstrap the app cannot work offline: stay on the login screen.
    state.session = null;
    await db.deleteMeta('session');
    throw error;
  }
  navigator.storage?.persist?.().catch(() => {});
  await appShellReady();
  await refreshCount();
}

/**
 * Wait (at most a few seconds) until the service worker is active, i.e. the app shell is
 * precached: once the officer sees the home screen, the app opens again without signal.
 */
async function appShellReady(limitMs = 8000) {
  if (!state.shellReady) return; // no service worker in this browser
  await Promise.race([state.shellReady.catch(() => null), new Promise((resolve) => setTimeout(resolve, limitMs))]);
}

/**
 * Forget the token, never the data: unsent items stay for the next login of this user. The session
 * is dropped on the device first, so a page closed mid-request cannot leave it logged in; the
 * server is then asked to revoke the token (best effort: offline it simply stays unused).
 */
export async function logout() {
  const token = state.session?.token;
  state.session = null;
  await db.deleteMeta('session');
  await refreshCount();
  if (token) api.logout(token).catch(() => {});
}

/** Refresh the cached bootstrap when online (ETag); a 304 keeps the cached copy. */
export async function refreshBootstrap(force = false) {
  if (!state.session) return;
  const cached = await db.getBootstrap();
  try {
    const result = await api.bootstrap(force || !cached ? null : cached.etag);
    if (!result.notModified) {
      await db.saveBootstrap(result.body, result.etag);
      state.bootstrap = result.body;
    }
  } catch (error) {
    if (error instanceof AuthError) await flagAuth();
    else if (force && !cached) throw error;
  }
  emit();
}

async function flagAuth() {
  state.authRequired = true;
  await db.setMeta('auth_required', true);
  emit();
}

export async function checkOnline() {
  const online = await api.checkOnline();
  if (online !== state.online) {
    state.online = online;
    emit();
  }
  return online;
}

/** Run a sync now (force: ignore the backoff schedule). */
export async function syncNow(force = false) {
  if (!state.session) return null;
  const result = await syncOutbox({
    api,
    userId: state.session.user.id,
    force,
    onProgress: (progress) => {
      state.syncing = progress;
      emit();
    },
  });
  state.syncing = null;
  state.lastResult = result;
  if (result.status === 'offline') state.online = false;
  if (result.status === 'ok') state.online = true;
  if (result.status === 'auth') await flagAuth();
  if (result.status === 'ok') state.authRequired = false;
  const reachable = result.status === 'ok' || (result.status === 'idle' && (force ? await checkOnline() : state.online));
  if (reachable && (force || Date.now() - state.newsAt > NEWS_EVERY_MS)) await refreshNews();
  await refreshCount();
  return result;
}

/**
 * Pull review decisions and open items (src/news.js) after a sync; a failure keeps the cached copy
 * and is retried on the next sync.
 */
export async function refreshNews() {
  if (!state.session) return;
  try {
    await pullNews(api, state.session.user.id, { keepDays: state.bootstrap?.keep_sent_days });
    state.newsAt = Date.now();
  } catch (error) {
    if (error instanceof AuthError) await flagAuth();
    // Cut off mid-pull: Background Sync (where there is one) pulls again once the signal is back.
    if (error instanceof NetworkError) registerBackgroundSync();
  }
  emit();
}

/** Ask the browser to wake us for a sync when connectivity returns (where supported). */
export async function registerBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register(SYNC_TAG);
  } catch {
    // Background Sync is a bonus; the page's own schedule still runs.
  }
}

let started = false;

/** Start the schedule once: on start, on `online`, periodically, on SW messages and outbox changes. */
export function startSyncSchedule() {
  if (started) return;
  started = true;
  outboxEvents.addEventListener('change', () => refreshCount());
  window.addEventListener('online', async () => {
    if (await checkOnline()) {
      await refreshBootstrap();
      await syncNow(true);
    }
  });
  window.addEventListener('offline', () => {
    state.online = false;
    emit();
  });
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.type === 'SYNC') syncNow(true);
  });
  // Back on screen: the reviewers' decisions since the last pull (src/freshness.js).
  pullWhenVisible({
    doc: document,
    lastPullAt: () => state.newsAt,
    refresh: async () => {
      if (state.session && !state.syncing && await checkOnline()) await refreshNews();
    },
  });
  setInterval(() => checkOnline(), ONLINE_CHECK_MS);
  setInterval(() => syncNow(false), PERIODIC_SYNC_MS);
  (async () => {
    if (await checkOnline()) {
      await refreshBootstrap();
      await syncNow(true);
    }
  })();
}

/** Storage use, whether it is running low (< 50 MB left or > 90 % used), and whether it is persistent. */
export async function storageInfo() {
  if (!navigator.storage?.estimate) return null;
  const { usage = 0, quota = 0 } = await navigator.storage.estimate();
  const low = quota > 0 && (quota - usage < 50 * 1024 * 1024 || usage / quota > 0.9);
  const persisted = Boolean(await navigator.storage.persisted?.().catch(() => false));
  return { usage, quota, low, persisted };
}
