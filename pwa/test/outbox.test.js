// Unit tests of the outbox/sync logic on fake-indexeddb, against a small in-memory stand-in of the
// server's contract (docs/api.md): per-id results, idempotent photos by hash, 401/5xx/413 behaviour.
// The real server is exercised end to end by tests/e2e (Playwright in Chromium).
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import * as db from '../src/db.js';
import { AuthError, NetworkError, ApiError } from '../src/api.js';
import { backoffDelay, countUnsent, enqueue, requeue, STATES, syncOutbox, toWire, BACKOFF_MAX_MS } from '../src/outbox.js';

/** A stand-in server keeping what it stored, with switches to fail the way networks do. */
function fakeServer() {
  const server = {
    online: true,
    stored: new Map(),
    photos: new Map(),
    posts: [],
    puts: [],
    failNextPost: null, // an Error to throw once
    failNextPut: null,
    maxItems: 100,
    invalidWhen: (item) => (item.data.kejadian_kriminal < 0 ? { kejadian_kriminal: 'Minimal 0.' } : null),
    api: null,
  };
  server.api = {
    async checkOnline() { return server.online; },
    async hasAttachment(sha) {
      if (!server.online) throw new NetworkError();
      return server.photos.has(sha);
    },
    async putAttachment(sha, blob) {
      if (!server.online) throw new NetworkError();
      server.puts.push(sha);
      if (server.failNextPut) { const e = server.failNextPut; server.failNextPut = null; throw e; }
      server.photos.set(sha, blob);
    },
    async postSubmissions(items) {
      if (!server.online) throw new NetworkError();
      server.posts.push(items.map((i) => i.id));
      if (server.failNextPost) { const e = server.failNextPost; server.failNextPost = null; throw e; }
      if (items.length > server.maxItems) throw new ApiError(413, 'payload_too_large', 'Terlalu banyak.');
      return items.map((item) => {
        const errors = server.invalidWhen(item);
        if (errors) return { id: item.id, status: 'invalid', errors };
        const previous = server.stored.get(item.id);
        if (previous) return { id: item.id, status: JSON.stringify(previous) === JSON.stringify(item) ? 'duplicate' : 'conflict' };
        server.stored.set(item.id, item);
        return { id: item.id, status: 'created' };
      });
    },
  };
  return server;
}

function inspection(n, extra = {}) {
  return {
    form: 'inspeksi-rw', form_version: 1, subject: { rw_id: 1 + (n % 3) }, user_id: 7,
    observed_at: '2026-11-23T09:30:00+07:00', data: { kejadian_kriminal: n, konflik_sosial: 0 }, ...extra,
  };
}

beforeEach(async () => {
  await db.closeDatabase();
  await new Promise((resolve) => { const r = indexedDB.deleteDatabase(db.DB_NAME); r.onsuccess = r.onerror = r.onblocked = resolve; });
});

describe('backoff', () => {
  it('grows exponentially with jitter between half and the whole ceiling, capped', () => {
    expect(backoffDelay(1, () => 0)).toBe(1000);
    expect(backoffDelay(1, () => 1)).toBe(2000);
    expect(backoffDelay(4, () => 0)).toBe(8000);
    expect(backoffDelay(4, () => 1)).toBe(16000);
    expect(backoffDelay(30, () => 1)).toBe(BACKOFF_MAX_MS);
    expect(backoffDelay(30, () => 0)).toBe(BACKOFF_MAX_MS / 2);
  });
});

describe('wire format', () => {
  it('sends only the contract\'s keys, never the device\'s bookkeeping', () => {
    const wire = toWire({ ...inspection(1), id: 'x', ref: null, supersedes: 'y', photos: ['p'], label: 'L', state: 'waiting', attempts: 2 });
    expect(Object.keys(wire).sort()).toEqual(['data', 'form', 'form_version', 'id', 'observed_at', 'subject', 'supersedes']);
  });
});

describe('sync', () => {
  it('keeps an item the server did not answer for in the queue', async () => {
    const server = fakeServer();
    const answered = await enqueue(inspection(1));
    const skipped = await enqueue(inspection(2));
    const post = server.api.postSubmissions;
    server.api.postSubmissions = async (items) => (await post(items)).filter((r) => r.id !== skipped.id);
    expect((await syncOutbox({ api: server.api, userId: 7 })).sent).toBe(1);
    expect((await db.getOutboxItem(answered.id)).state).toBe(STATES.SENT);
    expect((await db.getOutboxItem(skipped.id)).state).toBe(STATES.WAITING);
  });


  it('sends every waiting item once and marks it sent only on a per-id ack', async () => {
    const server = fakeServer();
    for (let n = 0; n < 5; n += 1) await enqueue(inspection(n));
    expect(await countUnsent(7)).toBe(5);
    const result = await syncOutbox({ api: server.api, userId: 7 });
    expect(result).toMatchObject({ status: 'ok', sent: 5 });
    expect(server.stored.size).toBe(5);
    expect(await countUnsent(7)).toBe(0);
    // A second run sends nothing more.
    expect((await syncOutbox({ api: server.api, userId: 7 })).status).toBe('idle');
    expect(server.posts.length).toBe(1);
  });

  it('batches at most 100 items per request', async () => {
    const server = fakeServer();
    for (let n = 0; n < 250; n += 1) await enqueue(inspection(n));
    await syncOutbox({ api: server.api, userId: 7 });
    expect(server.posts.map((p) => p.length)).toEqual([100, 100, 50]);
    expect(server.stored.size).toBe(250);
  });

  it('halves the batch on 413 and still sends everything exactly once', async () => {
    const server = fakeServer();
    server.maxItems = 30;
    for (let n = 0; n < 70; n += 1) await enqueue(inspection(n));
    const result = await syncOutbox({ api: server.api, userId: 7 });
    expect(result.sent).toBe(70);
    expect(server.stored.size).toBe(70);
    expect(Math.max(...server.posts.filter((p) => p.length <= 30).map((p) => p.length))).toBeLessThanOrEqual(30);
  });

  it('sets an invalid item aside with its errors and sends the rest', async () => {
    const server = fakeServer();
    await enqueue(inspection(1));
    const bad = await enqueue(inspection(-1));
    await enqueue(inspection(2));
    const result = await syncOutbox({ api: server.api, userId: 7 });
    expect(result).toMatchObject({ sent: 2, invalid: 1 });
    const stored = await db.getOutboxItem(bad.id);
    expect(stored.state).toBe(STATES.INVALID);
    expect(stored.errors).toEqual({ kejadian_kriminal: 'Minimal 0.' });
    // Corrected and re-sent under the same id.
    await requeue(stored, { kejadian_kriminal: 0, konflik_sosial: 0 });
    expect((await syncOutbox({ api: server.api, userId: 7 })).sent).toBe(1);
    expect((await db.getOutboxItem(bad.id)).state).toBe(STATES.SENT);
    expect(server.stored.size).toBe(3);
  });

  it('keeps a conflict for the officer to decide', async () => {
    const server = fakeServer();
    const item = await enqueue(inspection(1));
    server.stored.set(item.id, { ...toWire(item), data: { other: true } });
    const result = await syncOutbox({ api: server.api, userId: 7 });
    expect(result.conflict).toBe(1);
    expect((await db.getOutboxItem(item.id)).state).toBe(STATES.CONFLICT);
  });

  it('does nothing while offline and keeps the queue', async () => {
    const server = fakeServer();
    server.online = false;
    await enqueue(inspection(1));
    expect((await syncOutbox({ api: server.api, userId: 7 })).status).toBe('offline');
    expect(await countUnsent(7)).toBe(1);
  });

  it('backs off after a cut connection and does not retry before the delay unless forced', async () => {
    const server = fakeServer();
    let clock = 1_000_000;
    const now = () => clock;
    const item = await enqueue(inspection(1));
    server.failNextPost = new NetworkError('cut');
    expect((await syncOutbox({ api: server.api, userId: 7, now, random: () => 1 })).status).toBe('retry');
    const waiting = await db.getOutboxItem(item.id);
    expect(waiting.state).toBe(STATES.WAITING);
    expect(waiting.attempts).toBe(1);
    expect(waiting.next_attempt_at).toBe(clock + 2000);
    expect((await syncOutbox({ api: server.api, userId: 7, now })).status).toBe('idle');
    clock += 2000;
    expect((await syncOutbox({ api: server.api, userId: 7, now })).sent).toBe(1);
    expect(server.stored.size).toBe(1);
  });

  it('treats a 5xx as not delivered (retries later), never as sent', async () => {
    const server = fakeServer();
    const item = await enqueue(inspection(1));
    server.failNextPost = new ApiError(503, 'unavailable', 'down');
    expect((await syncOutbox({ api: server.api, userId: 7 })).status).toBe('retry');
    expect((await db.getOutboxItem(item.id)).state).toBe(STATES.WAITING);
    expect((await syncOutbox({ api: server.api, userId: 7, force: true })).sent).toBe(1);
  });

  it('keeps everything queued on 401 and asks for a new login', async () => {
    const server = fakeServer();
    await enqueue(inspection(1));
    await enqueue(inspection(2));
    server.failNextPost = new AuthError('expired');
    expect((await syncOutbox({ api: server.api, userId: 7 })).status).toBe('auth');
    expect(await countUnsent(7)).toBe(2);
    expect(await db.getMeta('auth_required')).toBe(true);
    const after = await db.listOutbox();
    expect(after.every((i) => i.state === STATES.WAITING)).toBe(true);
    expect((await syncOutbox({ api: server.api, userId: 7 })).sent).toBe(2);
    expect(await db.getMeta('auth_required')).toBeUndefined();
  });

  it('uploads photos first, asks before re-sending one tried earlier, and releases blobs once acknowledged', async () => {
    const server = fakeServer();
    const shaA = 'a'.repeat(64);
    const shaB = 'b'.repeat(64);
    await db.putPhoto({ sha256: shaA, blob: new Uint8Array([1]), type: 'image/jpeg' });
    // B was tried before and did land (the answer was lost): HEAD finds it, no second upload.
    await db.putPhoto({ sha256: shaB, blob: new Uint8Array([2]), type: 'image/jpeg', tried: true });
    server.photos.set(shaB, 'already');
    await enqueue(inspection(1, { photos: [shaA, shaB], data: { foto: [shaA, shaB], kejadian_kriminal: 1 } }));
    const result = await syncOutbox({ api: server.api, userId: 7 });
    expect(result.sent).toBe(1);
    expect(server.puts).toEqual([shaA]);
    expect(await db.getPhoto(shaA)).toBeUndefined();
    expect(await db.getPhoto(shaB)).toBeUndefined();
  });

  it('retries a photo after a cut connection without sending the item first', async () => {
    const server = fakeServer();
    const sha = 'c'.repeat(64);
    await db.putPhoto({ sha256: sha, blob: new Uint8Array([3]), type: 'image/jpeg' });
    const item = await enqueue(inspection(1, { photos: [sha], data: { foto: [sha], kejadian_kriminal: 1 } }));
    server.failNextPut = new NetworkError('cut');
    expect((await syncOutbox({ api: server.api, userId: 7 })).status).toBe('retry');
    expect(server.posts.length).toBe(0);
    expect(await db.getPhoto(sha)).toBeDefined();
    expect((await syncOutbox({ api: server.api, userId: 7, force: true })).sent).toBe(1);
    expect(server.puts).toEqual([sha, sha]);
    expect(server.photos.size).toBe(1);
    expect((await db.getOutboxItem(item.id)).state).toBe(STATES.SENT);
  });

  it('sets aside an item whose photo the server refuses, and sends the others', async () => {
    const server = fakeServer();
    const sha = 'd'.repeat(64);
    await db.putPhoto({ sha256: sha, blob: new Uint8Array([4]), type: 'image/jpeg' });
    const bad = await enqueue(inspection(1, { photos: [sha], photo_field: 'foto', data: { foto: [sha], kejadian_kriminal: 1 } }));
    await enqueue(inspection(2));
    server.failNextPut = new ApiError(415, 'unsupported_media_type', 'Foto harus JPEG, PNG atau WebP.');
    const result = await syncOutbox({ api: server.api, userId: 7 });
    expect(result).toMatchObject({ sent: 1, invalid: 1 });
    expect((await db.getOutboxItem(bad.id)).errors).toEqual({ foto: 'Foto harus JPEG, PNG atau WebP.' });
  });

  it('uploads many photos concurrently and sends each item once', async () => {
    const server = fakeServer();
    for (let n = 0; n < 30; n += 1) {
      const sha = n.toString(16).padStart(64, '0');
      await db.putPhoto({ sha256: sha, blob: new Uint8Array([n]), type: 'image/jpeg' });
      await enqueue(inspection(n, { photos: [sha], data: { foto: [sha], kejadian_kriminal: n } }));
    }
    expect((await syncOutbox({ api: server.api, userId: 7 })).sent).toBe(30);
    expect(server.puts.length).toBe(30);
    expect(new Set(server.puts).size).toBe(30);
    expect(await (await db.openDatabase()).count('photos')).toBe(0);
  });

  it('only sends the current user\'s items', async () => {
    const server = fakeServer();
    await enqueue(inspection(1));
    await enqueue(inspection(2, { user_id: 8 }));
    expect((await syncOutbox({ api: server.api, userId: 7 })).sent).toBe(1);
    expect(await countUnsent(8)).toBe(1);
  });

  it('joins a run in progress instead of starting a second one', async () => {
    const server = fakeServer();
    for (let n = 0; n < 3; n += 1) await enqueue(inspection(n));
    const [a, b] = await Promise.all([syncOutbox({ api: server.api, userId: 7 }), syncOutbox({ api: server.api, userId: 7 })]);
    expect(a).toBe(b);
    expect(server.posts.length).toBe(1);
  });

  it('recovers items left in "sending" by a run that died', async () => {
    const server = fakeServer();
    const item = await enqueue(inspection(1));
    await db.putOutboxItem({ ...(await db.getOutboxItem(item.id)), state: STATES.SENDING });
    expect((await syncOutbox({ api: server.api, userId: 7 })).sent).toBe(1);
  });
});

describe('drafts', () => {
  it('queueing a draft removes the draft in the same transaction', async () => {
    await db.saveDraft({ id: 'd1', user_id: 7, form: 'inspeksi-rw', data: { kejadian_kriminal: 3 } });
    expect((await db.listDrafts(7)).length).toBe(1);
    await enqueue(inspection(3), 'd1');
    expect((await db.listDrafts(7)).length).toBe(0);
    expect(await countUnsent(7)).toBe(1);
  });
});
