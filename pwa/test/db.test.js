// The IndexedDB schema upgrades in place: data written by an older version survives every step.
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import * as db from '../src/db.js';

beforeEach(async () => {
  await db.closeDatabase();
  await new Promise((resolve) => { const r = indexedDB.deleteDatabase(db.DB_NAME); r.onsuccess = r.onerror = r.onblocked = resolve; });
});

describe('schema upgrades', () => {
  it('keeps the outbox, drafts and photos of a version 1 database and adds the form index', async () => {
    const v1 = await openDB(db.DB_NAME, 1, {
      upgrade(raw) {
        const drafts = raw.createObjectStore('drafts', { keyPath: 'id' });
        drafts.createIndex('updated_at', 'updated_at');
        const outbox = raw.createObjectStore('outbox', { keyPath: 'id' });
        outbox.createIndex('state', 'state');
        outbox.createIndex('created_at', 'created_at');
        raw.createObjectStore('photos', { keyPath: 'sha256' });
        raw.createObjectStore('bootstrap', { keyPath: 'key' });
        raw.createObjectStore('meta');
      },
    });
    await v1.put('outbox', { id: 'a', form: 'pengaduan', state: 'waiting', created_at: 1, user_id: 7 });
    await v1.put('drafts', { id: 'd', form: 'inspeksi-rw', updated_at: 2, user_id: 7 });
    await v1.put('photos', { sha256: 'f'.repeat(64), blob: new Uint8Array([1]) });
    await v1.put('meta', { token: 't', user: { id: 7 } }, 'session');
    v1.close();

    expect(db.DB_VERSION).toBeGreaterThan(1);
    expect((await db.listOutboxByForm('pengaduan')).map((i) => i.id)).toEqual(['a']);
    expect((await db.listDrafts(7)).map((d) => d.id)).toEqual(['d']);
    expect(await (await db.openDatabase()).count('photos')).toBe(1);
    expect((await db.getMeta('session')).token).toBe('t');
  });

  it('creates every store on a fresh device', async () => {
    const opened = await db.openDatabase();
    expect([...opened.objectStoreNames].sort()).toEqual(['bootstrap', 'drafts', 'meta', 'outbox', 'photos', 'reviews']);
    expect(opened.version).toBe(db.DB_VERSION);
  });

  it('stores a photo once and releases it on acknowledgement', async () => {
    const sha = 'e'.repeat(64);
    await db.putPhoto({ sha256: sha, blob: new Uint8Array([1]), type: 'image/jpeg' });
    await db.putPhoto({ sha256: sha, blob: new Uint8Array([2]), type: 'image/jpeg' });
    expect((await db.getPhoto(sha)).blob).toEqual(new Uint8Array([1]));
    await db.markPhotoTried(sha);
    expect((await db.getPhoto(sha)).tried).toBe(true);
    await db.deletePhoto(sha);
    expect(await db.getPhoto(sha)).toBeUndefined();
  });
});
