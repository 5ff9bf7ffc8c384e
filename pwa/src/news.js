/**
 * What the server tells the phone back, pulled on every sync and kept for offline use:
 *
 * - review decisions on the officer's own records (GET /api/v1/reviews, a feed since a stored
 *   cursor): "Perlu perbaikan" (returned, with the reviewer's reason) opens the record prefilled as
 *   a correction; "Ditolak" is shown with its reason; a rejected inspection does not count as done;
 * - the open items of the officer's scope (GET /api/v1/open-items, ETag): complaints without a
 *   follow-up and unfinished services, so a follow-up can name a record made on another phone.
 *
 * It also prunes: sent items older than `keepSentDays` (30 by default, bootstrap `keep_sent_days`
 * overrides) leave the device — only items the server acknowledged, and the last inspection per RW
 * is remembered first so the visit plan keeps working.
 */
import * as db from './db.js';
import { STATES } from './outbox.js';

export const REVIEW = Object.freeze({ ACCEPTED: 'accepted', REJECTED: 'rejected', RETURNED: 'returned', PENDING: 'pending' });
export const PAGE_SIZE = 200;
const MAX_PAGES = 25;
export const KEEP_SENT_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** One spelling of a UUID (lower case, dashed) so server ids and device ids compare equal. */
export function normId(id) {
  if (!id) return id;
  const hex = String(id).toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length !== 32) return String(id).toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The order of two timestamps (or dates) as text: ISO strings sort by time when compared code unit
 * by code unit. Not `localeCompare`: its first call builds an ICU collator, tens of milliseconds of
 * main thread on a slow phone, for strings that have no language.
 */
export function compareText(a, b) {
  const x = String(a);
  const y = String(b);
  if (x === y) return 0;
  return x < y ? -1 : 1;
}

/**
 * Fetch every decision since the stored cursor (page by page), store them, and mark the matching
 * outbox items (`review`, `superseded_by`). The cursor advances only after a page is stored, so
 * a cut connection repeats a page at worst (storing a decision twice changes nothing).
 * @returns {Promise<number>} how many decisions arrived
 */
export async function pullReviews(api, userId) {
  const key = `reviews_cursor:${userId}`;
  let cursor = (await db.getMeta(key)) || null;
  let count = 0;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const body = await api.reviews(cursor);
    const reviews = (body.reviews || []).map((review) => ({
      ...review, id: normId(review.id), supersedes: normId(review.supersedes), superseded_by: normId(review.superseded_by), user_id: userId,
    }));
    await db.putReviews(reviews);
    for (const review of reviews) {
      const item = await db.getOutboxItem(review.id);
      if (!item) continue;
      await db.putOutboxItem({
        ...item,
        review: { status: review.status, reason: review.reason, reviewed_at: review.reviewed_at },
        superseded_by: item.superseded_by || review.superseded_by || null,
      });
    }
    count += reviews.length;
    const next = body.next_cursor || cursor;
    await db.setMeta(key, next);
    if (reviews.length < PAGE_SIZE || next === cursor) break;
    cursor = next;
  }
  return count;
}

/** Refresh the cached open items (a 304 keeps the cached copy). */
export async function pullOpenItems(api, userId) {
  const key = `open_items:${userId}`;
  const cached = await db.getMeta(key);
  const result = await api.openItems(cached?.etag || null);
  if (result.notModified) return cached.body;
  await db.setMeta(key, { body: result.body, etag: result.etag, saved_at: Date.now() });
  return result.body;
}

/** The cached open items: {complaints: [], services: []} (empty before the first sync). */
export async function getOpenItems(userId) {
  const cached = await db.getMeta(`open_items:${userId}`);
  return { complaints: cached?.body?.complaints || [], services: cached?.body?.services || [] };
}

/**
 * Review state of a record as the phone knows it: the decision from the feed, else the one copied
 * onto the outbox item, else null (not reviewed: it counts).
 */
export function reviewOf(item, reviewsById) {
  return reviewsById.get(normId(item.id))?.status || item.review?.status || null;
}

/**
 * Records sent back for correction that still wait for one: status `returned`, not superseded on
 * the server, and no correction of it on this device yet.
 */
export function pendingCorrections(reviews, outbox) {
  const corrected = new Set(outbox.filter((item) => item.supersedes).map((item) => normId(item.supersedes)));
  return reviews
    .filter((review) => review.status === REVIEW.RETURNED && !review.superseded_by && !corrected.has(normId(review.id)))
    .sort((a, b) => compareText(b.reviewed_at, a.reviewed_at));
}

/** Rejected records (shown with their reason), newest decision first. */
export function rejected(reviews) {
  return reviews.filter((review) => review.status === REVIEW.REJECTED)
    .sort((a, b) => compareText(b.reviewed_at, a.reviewed_at));
}

/**
 * The last counted inspection per RW: the device's own items and the decisions from the feed,
 * minus rejected ones, plus what was remembered before pruning. {rw_id: observed_at ISO}
 */
export function lastInspections(outbox, reviews, remembered = {}) {
  const byId = new Map(reviews.map((review) => [review.id, review]));
  const last = { ...remembered };
  const consider = (record) => {
    const rwId = record.subject?.rw_id;
    if (!rwId || !record.observed_at) return;
    if (!last[rwId] || new Date(last[rwId]) < new Date(record.observed_at)) last[rwId] = record.observed_at;
  };
  for (const item of outbox) {
    if (item.form !== 'inspeksi-rw' || item.state === STATES.INVALID || item.state === STATES.CONFLICT) continue;
    if (reviewOf(item, byId) === REVIEW.REJECTED) continue;
    consider(item);
  }
  for (const review of reviews) {
    if (review.form === 'inspeksi-rw' && review.status !== REVIEW.REJECTED) consider(review);
  }
  return last;
}

/**
 * Sent items older than `keepDays` leave the device (never one the server did not acknowledge,
 * never one whose correction is still open). The last inspection per RW is remembered first.
 * @returns {Promise<number>} how many were removed
 */
export async function pruneSent(userId, { keepDays = KEEP_SENT_DAYS, now = Date.now() } = {}) {
  const outbox = (await db.listOutbox()).filter((item) => item.user_id === userId);
  const limit = now - keepDays * DAY_MS;
  const old = outbox.filter((item) => item.state === STATES.SENT && (item.sent_at || item.updated_at || now) < limit
    && item.review?.status !== REVIEW.RETURNED);
  if (!old.length) return 0;
  const key = `last_inspection:${userId}`;
  const remembered = (await db.getMeta(key)) || {};
  await db.setMeta(key, lastInspections(old, [], remembered));
  await db.deleteSentItems(old.map((item) => item.id));
  return old.length;
}

/** Pull reviews and open items, then prune. Errors are the caller's (offline: try next time). */
export async function pullNews(api, userId, { keepDays } = {}) {
  const reviews = await pullReviews(api, userId);
  const open = await pullOpenItems(api, userId);
  const pruned = await pruneSent(userId, { keepDays: keepDays ?? KEEP_SENT_DAYS });
  return { reviews, open, pruned };
}
