/**
 * The only module that touches IndexedDB: a versioned schema with explicit upgrade steps.
 *
 * Stores (the device's source of truth — nothing user-specific lives in Cache Storage):
 *   drafts     forms being filled, autosaved ({id, form, form_version, subject, ref, supersedes, data, …})
 *   outbox     every submission made on this device with its state: waiting | sending | sent | invalid | conflict
 *              (sent items stay as the officer's own records: follow-ups, corrections, the day's plan)
 *   photos     photo blobs by SHA-256, kept until the server acknowledges the upload
 *   bootstrap  the last GET /api/v1/bootstrap body and its ETag (key "current")
 *   meta       small key/values: session {token, user}, language, last sync, kiosk unit, the
 *              review feed's cursor, the cached open items, the last inspection per RW …
 *   reviews    review decisions on the officer's own records, from GET /api/v1/reviews
 *              ({id, user_id, form, subject, ref, data, status, reason, reviewed_at, superseded_by})
 *
 * Upgrades never drop a store that holds data; each step only adds (see UPGRADES).
 */
import { openDB } from 'idb';

export const DB_NAME = 'sikk';

/** One function per schema version; step i upgrades from version i to i + 1. */
const UPGRADES = [
  (db) => {
    const drafts = db.createObjectStore('drafts', { keyPath: 'id' });
    drafts.createIndex('updated_at', 'updated_at');
    const outbox = db.createObjectStore('outbox', { keyPath: 'id' });
    outbox.createIndex('state', 'state');
    outbox.createIndex('created_at', 'created_at');
    db.createObjectStore('photos', { keyPath: 'sha256' });
    db.createObjectStore('bootstrap', { keyPath: 'key' });
    db.createObjectStore('meta');
  },
  (db, tx) => {
    // v2: find the officer's own records of a form quickly (follow-ups, the day's plan).
    tx.objectStore('outbox').createIndex('form', 'form');
  },
  (db) => {
    // v3: the review decisions the server sends back (Perlu perbaikan, Ditolak, Diterima).
    const reviews = db.createObjectStore('reviews', { keyPath: 'id' });
    reviews.createIndex('user_id', 'user_id');
  },
];

export const DB_VERSION = UPGRADES.length;

let dbPromise = null;

/** Open (and upgrade) the database once per page or worker. */
export function openDatabase() {
  if (!dbPromise) {
    dbPromise = openDB(DB_NAME, DB_VERSION, {
      upgrade(db, oldVersion, newVersion, tx) {
        for (let version = oldVersion; version < newVersion; version += 1) UPGRADES[version](db, tx);
      },
      blocking() {
        // A newer app version wants to upgrade: close so it can; this page reloads on the SW update.
        dbPromise?.then((db) => db.close());
        dbPromise = null;
      },
    });
  }
  return dbPromise;
}

/** Close and forget the connection (tests delete the database between cases). */
export async function closeDatabase() {
  if (dbPromise) (await dbPromise).close();
  dbPromise = null;
}

// -- meta ---------------------------------------------------------------------------------------

export async function getMeta(key) {
  return (await openDatabase()).get('meta', key);
}

export async function setMeta(key, value) {
  return (await openDatabase()).put('meta', value, key);
}

export async function deleteMeta(key) {
  return (await openDatabase()).delete('meta', key);
}

// -- drafts -------------------------------------------------------------------------------------

export async function saveDraft(draft) {
  await (await openDatabase()).put('drafts', { ...draft, updated_at: Date.now() });
}

export async function getDraft(id) {
  return (await openDatabase()).get('drafts', id);
}

/** Drafts of this user, newest first. */
export async function listDrafts(userId) {
  const all = await (await openDatabase()).getAllFromIndex('drafts', 'updated_at');
  return all.filter((d) => d.user_id === userId).reverse();
}

export async function deleteDraft(id) {
  await (await openDatabase()).delete('drafts', id);
}

// -- outbox -------------------------------------------------------------------------------------

export async function putOutboxItem(item) {
  await (await openDatabase()).put('outbox', { ...item, updated_at: Date.now() });
}

export async function getOutboxItem(id) {
  return (await openDatabase()).get('outbox', id);
}

/** Every outbox item, oldest first. */
export async function listOutbox() {
  return (await openDatabase()).getAllFromIndex('outbox', 'created_at');
}

export async function listOutboxByForm(form) {
  return (await openDatabase()).getAllFromIndex('outbox', 'form', form);
}

/**
 * Put a queued item and (optionally) delete its draft in one transaction, so that a crash between
 * the two can neither lose the form nor queue it twice.
 */
export async function queueFromDraft(item, draftId) {
  const db = await openDatabase();
  const tx = db.transaction(['outbox', 'drafts'], 'readwrite');
  await tx.objectStore('outbox').put({ ...item, updated_at: Date.now() });
  if (draftId) await tx.objectStore('drafts').delete(draftId);
  await tx.done;
}

/** Remove sent items (acknowledged by the server) in one transaction; anything else stays. */
export async function deleteSentItems(ids) {
  const db = await openDatabase();
  const tx = db.transaction('outbox', 'readwrite');
  for (const id of ids) {
    const item = await tx.store.get(id);
    if (item && item.state === 'sent') await tx.store.delete(id);
  }
  await tx.done;
}

// -- reviews ------------------------------------------------------------------------------------

/** Store review decisions (one per record: a later decision replaces the earlier one). */
export async function putReviews(reviews) {
  const db = await openDatabase();
  const tx = db.transaction('reviews', 'readwrite');
  for (const review of reviews) await tx.store.put(review);
  await tx.done;
}

export async function getReview(id) {
  return (await openDatabase()).get('reviews', id);
}

/** The decisions on this user's records. */
export async function listReviews(userId) {
  return (await openDatabase()).getAllFromIndex('reviews', 'user_id', userId);
}

// -- photos -------------------------------------------------------------------------------------

/** Keep a photo until the server has it; a second put of the same bytes changes nothing. */
export async function putPhoto(photo) {
  const db = await openDatabase();
  const tx = db.transaction('photos', 'readwrite');
  const existing = await tx.store.get(photo.sha256);
  if (!existing) await tx.store.put({ ...photo, created_at: Date.now() });
  await tx.done;
}

/** Record that an upload of this photo was attempted (a later run asks the server first). */
export async function markPhotoTried(sha256) {
  const db = await openDatabase();
  const tx = db.transaction('photos', 'readwrite');
  const photo = await tx.store.get(sha256);
  if (photo && !photo.tried) await tx.store.put({ ...photo, tried: true });
  await tx.done;
}

export async function getPhoto(sha256) {
  return (await openDatabase()).get('photos', sha256);
}

/** The server acknowledged the upload: the blob may go. */
export async function deletePhoto(sha256) {
  await (await openDatabase()).delete('photos', sha256);
}

// -- bootstrap ----------------------------------------------------------------------------------

export async function saveBootstrap(body, etag) {
  await (await openDatabase()).put('bootstrap', { key: 'current', body, etag, saved_at: Date.now() });
}

export async function getBootstrap() {
  return (await openDatabase()).get('bootstrap', 'current');
}
