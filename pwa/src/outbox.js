/**
 * The outbox: queue + sync. The IndexedDB outbox is the source of truth; an item leaves the queue
 * (state "sent") when the server answers its own id with `created` or `duplicate` — or, for an
 * item in `conflict`, when the officer resolves it with a correction that supersedes it (the form
 * marks the old item sent locally, with `superseded_by`; the correction goes through this queue).
 *
 * One sync run: check "online" (our health signature) → upload the photos the due items name
 * (HEAD to skip, PUT by SHA-256: idempotent) → POST the items in batches of ≤ 100 → apply each
 * per-id result. `invalid` sets the item aside for correction ("Perlu perbaikan") with the server's
 * field errors and never blocks the others; `conflict` is kept for the officer to decide. A network
 * error or a 5xx puts the items back to `waiting` with exponential backoff and jitter; a 401 keeps
 * everything queued and flags the session for a new login.
 *
 * The same code runs in the page and in the service worker (Background Sync); only one run at a
 * time per context, and items are re-read from IndexedDB at every step.
 */
import * as db from './db.js';
import { ApiError, AuthError, NetworkError } from './api.js';

export const STATES = Object.freeze({ WAITING: 'waiting', SENDING: 'sending', SENT: 'sent', INVALID: 'invalid', CONFLICT: 'conflict' });
export const MAX_BATCH = 100;
export const BACKOFF_BASE_MS = 2000;
export const BACKOFF_MAX_MS = 5 * 60 * 1000;
export const PHOTO_CONCURRENCY = 4;

/** Listeners are told after every change (the UI re-renders counts and lists). */
export const outboxEvents = new EventTarget();

function changed(detail = {}) {
  outboxEvents.dispatchEvent(new CustomEvent('change', { detail }));
}

/**
 * Delay before retry number `attempt` (1-based): base·2^(attempt−1), capped, with "equal jitter"
 * (half fixed, half random) so that a room of phones coming back online does not retry in step.
 */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The photo hashes a form's data names, given its definition. */
export function photoHashes(definition, data) {
  const hashes = [];
  for (const field of definition?.fields || []) {
    if (field.type === 'photo' && Array.isArray(data?.[field.key])) hashes.push(...data[field.key]);
  }
  return hashes;
}

/** The wire shape of POST /api/v1/submissions (only the contract's keys). */
export function toWire(item) {
  const wire = { id: item.id, form: item.form, form_version: item.form_version, observed_at: item.observed_at, data: item.data };
  if (item.subject) wire.subject = item.subject;
  if (item.ref) wire.ref = item.ref;
  if (item.supersedes) wire.supersedes = item.supersedes;
  return wire;
}

/** A device-made UUID v4. */
export function newId() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Put a filled form in the outbox (state waiting), deleting its draft in the same transaction.
 * @param {object} submission {id?, form, form_version, subject?, ref?, supersedes?, observed_at, data, photos?, user_id, label?}
 */
export async function enqueue(submission, draftId = null) {
  const now = Date.now();
  const item = {
    ...submission,
    id: submission.id || newId(),
    state: STATES.WAITING,
    errors: null,
    attempts: 0,
    next_attempt_at: 0,
    created_at: submission.created_at || now,
  };
  await db.queueFromDraft(item, draftId);
  changed({ id: item.id });
  return item;
}

/** Put an item the server called invalid (now corrected) back in the queue under the same id. */
export async function requeue(item, data) {
  const updated = { ...item, data, state: STATES.WAITING, errors: null, attempts: 0, next_attempt_at: 0 };
  await db.putOutboxItem(updated);
  changed({ id: item.id });
  return updated;
}

/** Items not yet acknowledged by the server (what "Belum terkirim: N" counts). */
export function isUnsent(item) {
  return item.state !== STATES.SENT;
}

export async function countUnsent(userId) {
  const items = await db.listOutbox();
  return items.filter((item) => isUnsent(item) && (userId === undefined || item.user_id === userId)).length;
}

let running = null;

/**
 * Run one sync (or join the run in progress).
 * @param {{api: object, userId?: number, force?: boolean, now?: () => number, random?: () => number,
 *          batchSize?: number, onProgress?: (p: {done: number, total: number}) => void}} options
 * @returns {Promise<{status: 'ok'|'idle'|'offline'|'retry'|'auth', sent?: number, invalid?: number, conflict?: number}>}
 */
export function syncOutbox(options) {
  if (!running) {
    running = runSync(options).finally(() => {
      running = null;
    });
  }
  return running;
}

async function runSync({ api, userId, force = false, now = Date.now, random = Math.random, batchSize = MAX_BATCH, onProgress = () => {} }) {
  const all = await db.listOutbox();
  const mine = all.filter((item) => userId === undefined || item.user_id === userId);
  // `sending` left over from a run that died (page closed mid-request) counts as waiting.
  const due = mine.filter((item) => (item.state === STATES.WAITING || item.state === STATES.SENDING)
    && (force || !item.next_attempt_at || item.next_attempt_at <= now()));
  if (!due.length) return { status: 'idle', sent: 0 };
  if (!(await api.checkOnline())) return { status: 'offline' };

  const tally = { sent: 0, invalid: 0, conflict: 0 };
  const total = due.length;
  onProgress({ done: 0, total });
  try {
    const rejected = await uploadPhotos(api, due);
    const ready = [];
    for (const item of due) {
      const errors = photoErrors(item, rejected);
      if (errors) {
        await db.putOutboxItem({ ...item, state: STATES.INVALID, errors });
        tally.invalid += 1;
      } else {
        ready.push(item);
      }
    }
    let size = Math.max(1, Math.min(batchSize, MAX_BATCH));
    let index = 0;
    while (index < ready.length) {
      const batch = ready.slice(index, index + size);
      const outcome = await sendBatch(api, batch, tally);
      if (outcome === 'too-large' && size > 1) {
        size = Math.max(1, Math.floor(size / 2));
        continue;
      }
      index += batch.length;
      onProgress({ done: Math.min(total, index + (due.length - ready.length)), total });
    }
    await db.setMeta('last_sync', now());
    await db.deleteMeta('auth_required');
    return { status: 'ok', ...tally };
  } catch (error) {
    if (error instanceof AuthError) {
      await putBack(due, null);
      await db.setMeta('auth_required', true);
      return { status: 'auth', ...tally };
    }
    if (error instanceof NetworkError || (error instanceof ApiError && error.retryable)) {
      await putBack(due, { now, random });
      return { status: 'retry', ...tally };
    }
    throw error;
  } finally {
    changed();
  }
}

/**
 * Upload every photo the due items name, a few at a time. Photos already acknowledged are absent
 * from the store; a photo tried before is first asked for (HEAD), so a retry after a cut connection
 * never sends the bytes twice when the first upload did land. Returns {sha256: message} for photos
 * the server refused (they can never succeed); a network error or 5xx stops the run.
 */
async function uploadPhotos(api, due) {
  const rejected = {};
  const hashes = [...new Set(due.flatMap((item) => item.photos || []))];
  let next = 0;
  let failure = null;
  async function worker() {
    while (next < hashes.length && !failure) {
      const sha256 = hashes[next];
      next += 1;
      try {
        await uploadPhoto(api, sha256, rejected);
      } catch (error) {
        failure = failure || error;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(PHOTO_CONCURRENCY, hashes.length) }, worker));
  if (failure) throw failure;
  return rejected;
}

async function uploadPhoto(api, sha256, rejected) {
  const photo = await db.getPhoto(sha256);
  if (!photo) return; // acknowledged earlier (its blob was released)
  if (photo.tried && await api.hasAttachment(sha256)) {
    await db.deletePhoto(sha256);
    return;
  }
  await db.markPhotoTried(sha256);
  try {
    await api.putAttachment(sha256, photo.blob, photo.type || 'image/jpeg');
    await db.deletePhoto(sha256);
  } catch (error) {
    if (error instanceof ApiError && !(error instanceof AuthError) && !error.retryable) {
      rejected[sha256] = error.message;
    } else {
      throw error;
    }
  }
}

function photoErrors(item, rejected) {
  const bad = (item.photos || []).filter((sha) => rejected[sha]);
  if (!bad.length) return null;
  const key = item.photo_field || 'foto';
  return { [key]: rejected[bad[0]] };
}

/** POST one batch and apply the per-id results. Returns 'ok' or 'too-large' (413: split it). */
async function sendBatch(api, batch, tally) {
  for (const item of batch) await db.putOutboxItem({ ...(await db.getOutboxItem(item.id)), state: STATES.SENDING });
  let results;
  try {
    results = await api.postSubmissions(batch.map(toWire));
  } catch (error) {
    if (error instanceof ApiError && error.status === 413) {
      if (batch.length > 1) {
        await putBack(batch, null);
        return 'too-large';
      }
      await markInvalid(batch[0], { _: error.message }, tally);
      return 'ok';
    }
    if (error instanceof ApiError && !(error instanceof AuthError) && !error.retryable) {
      // The whole batch was refused: isolate the culprit by sending one at a time.
      if (batch.length > 1) {
        for (const item of batch) await sendBatch(api, [item], tally);
        return 'ok';
      }
      await markInvalid(batch[0], Object.keys(error.fields).length ? error.fields : { _: error.message }, tally);
      return 'ok';
    }
    throw error;
  }
  const byId = new Map(results.map((result) => [result.id, result]));
  for (const item of batch) {
    const current = await db.getOutboxItem(item.id);
    const result = byId.get(item.id);
    if (!result) {
      await db.putOutboxItem({ ...current, state: STATES.WAITING });
    } else if (result.status === 'created' || result.status === 'duplicate') {
      await db.putOutboxItem({ ...current, state: STATES.SENT, errors: null, sent_at: Date.now(), result: result.status });
      tally.sent += 1;
    } else if (result.status === 'invalid') {
      await markInvalid(current, result.errors || {}, tally);
    } else if (result.status === 'conflict') {
      await db.putOutboxItem({ ...current, state: STATES.CONFLICT, errors: result.errors || null });
      tally.conflict += 1;
    } else {
      await db.putOutboxItem({ ...current, state: STATES.WAITING });
    }
  }
  return 'ok';
}

async function markInvalid(item, errors, tally) {
  await db.putOutboxItem({ ...item, state: STATES.INVALID, errors });
  tally.invalid += 1;
}

/** Put items still waiting or sending back to waiting; with `retry`, schedule them with backoff. */
async function putBack(items, retry) {
  for (const item of items) {
    const current = await db.getOutboxItem(item.id);
    if (!current || (current.state !== STATES.SENDING && current.state !== STATES.WAITING)) continue;
    const next = { ...current, state: STATES.WAITING };
    if (retry) {
      next.attempts = (current.attempts || 0) + 1;
      next.next_attempt_at = retry.now() + backoffDelay(next.attempts, retry.random);
    }
    await db.putOutboxItem(next);
  }
}
