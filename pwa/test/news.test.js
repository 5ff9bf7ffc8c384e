// The review feed and open items the phone pulls on sync (src/news.js), against a stand-in of the
// agreed API shapes (GET /api/v1/reviews with a cursor, GET /api/v1/open-items with an ETag), and
// the pruning of old sent items.
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import * as db from '../src/db.js';
import { NetworkError } from '../src/api.js';
import { STATES } from '../src/outbox.js';
import { getOpenItems, lastInspections, normId, pendingCorrections, pruneSent, pullNews, pullOpenItems, pullReviews, rejected } from '../src/news.js';

beforeEach(async () => {
  await db.closeDatabase();
  await new Promise((resolve) => { const r = indexedDB.deleteDatabase(db.DB_NAME); r.onsuccess = r.onerror = r.onblocked = resolve; });
});

const ID = '0b6f3c1e-5d2a-4c44-9d6e-6b0f1a2b3c4d';

function review(n, extra = {}) {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, form: 'inspeksi-rw', form_version: 1,
    subject: { rw_id: 1 }, ref: null, supersedes: null, observed_at: '2026-11-20T09:00:00+07:00',
    data: { kejadian_kriminal: n }, status: 'accepted', reason: null, reviewed_at: `2026-11-21T0${n % 10}:00:00Z`, superseded_by: null,
    ...extra,
  };
}

/** The feed: decisions in order, pages of `size`, the cursor being the index of the next one. */
function feed(decisions, size = 200) {
  const calls = [];
  return {
    calls,
    async reviews(since) {
      calls.push(since);
      if (since === 'bad') throw new Error('400');
      const start = since ? Number(since) : 0;
      const page = decisions.slice(start, start + size);
      return { reviews: page, next_cursor: String(start + page.length) };
    },
  };
}

describe('normId', () => {
  it('spells server and device ids the same', () => {
    expect(normId(ID.replace(/-/g, '').toUpperCase())).toBe(ID);
    expect(normId(ID)).toBe(ID);
    expect(normId(null)).toBe(null);
  });
});

describe('pullReviews', () => {
  it('stores every decision since the cursor, page by page, and keeps the cursor', async () => {
    const decisions = Array.from({ length: 450 }, (_, i) => review(i + 1));
    const api = feed(decisions, 200);
    expect(await pullReviews(api, 7)).toBe(450);
    expect(api.calls).toEqual([null, '200', '400']);
    expect((await db.listReviews(7)).length).toBe(450);
    expect(await db.getMeta('reviews_cursor:7')).toBe('450');
    // Next sync: asks from the stored cursor, nothing new.
    expect(await pullReviews(api, 7)).toBe(0);
    expect(api.calls.at(-1)).toBe('450');
    // Another user on the same phone has their own cursor and sees none of these.
    expect(await db.listReviews(8)).toEqual([]);
  });

  it('marks the outbox item the decision is about (review and superseded_by)', async () => {
    await db.putOutboxItem({ id: ID, user_id: 7, form: 'inspeksi-rw', state: STATES.SENT, created_at: 1 });
    const api = feed([review(1, { id: ID.replace(/-/g, ''), status: 'returned', reason: 'Foto buram' })]);
    await pullReviews(api, 7);
    const item = await db.getOutboxItem(ID);
    expect(item.review).toEqual({ status: 'returned', reason: 'Foto buram', reviewed_at: '2026-11-21T01:00:00Z' });
    expect(item.state).toBe(STATES.SENT);
  });

  it('a cut connection keeps the cursor where the last stored page ended', async () => {
    const decisions = Array.from({ length: 300 }, (_, i) => review(i + 1));
    const api = feed(decisions, 200);
    const original = api.reviews;
    let calls = 0;
    api.reviews = async (since) => {
      calls += 1;
      if (calls === 2) throw new NetworkError();
      return original(since);
    };
    await expect(pullReviews(api, 7)).rejects.toThrow(NetworkError);
    expect(await db.getMeta('reviews_cursor:7')).toBe('200');
    api.reviews = original;
    expect(await pullReviews(api, 7)).toBe(100);
    expect((await db.listReviews(7)).length).toBe(300);
  });
});

describe('what the home screen lists', () => {
  it('returned records wait for a correction until one exists; rejected ones are listed apart', () => {
    const a = { ...review(1), status: 'returned', reason: 'RW salah' };
    const b = { ...review(2), status: 'returned', reason: 'x', superseded_by: ID };
    const c = { ...review(3), status: 'rejected', reason: 'Ganda' };
    const d = { ...review(4), status: 'returned', reason: 'y' };
    const outbox = [{ id: 'new', supersedes: d.id.toUpperCase() }];
    expect(pendingCorrections([a, b, c, d], outbox).map((r) => r.id)).toEqual([a.id]);
    expect(rejected([a, b, c, d]).map((r) => r.id)).toEqual([c.id]);
  });

  it('a rejected inspection does not count as done', () => {
    const outbox = [
      { id: 'x', form: 'inspeksi-rw', subject: { rw_id: 1 }, observed_at: '2026-11-20T09:00:00+07:00', state: STATES.SENT, review: { status: 'rejected' } },
      { id: 'y', form: 'inspeksi-rw', subject: { rw_id: 2 }, observed_at: '2026-11-02T09:00:00+07:00', state: STATES.SENT },
      { id: 'z', form: 'inspeksi-rw', subject: { rw_id: 3 }, observed_at: '2026-11-03T09:00:00+07:00', state: STATES.INVALID },
    ];
    const reviews = [{ ...review(5), id: 'y', status: 'rejected', subject: { rw_id: 2 } }, { ...review(6), subject: { rw_id: 4 } }];
    expect(lastInspections(outbox, reviews, { 9: '2026-01-01' })).toEqual({ 4: '2026-11-20T09:00:00+07:00', 9: '2026-01-01' });
  });
});

describe('open items', () => {
  it('are cached with their ETag and kept on 304', async () => {
    const body = { complaints: [{ id: ID, subject: { kelurahan_id: 3 }, kelurahan: 'Cipaganti', tanggal_terima: '2026-11-20', kategori: 'kebersihan' }], services: [] };
    const seen = [];
    const api = {
      async openItems(etag) {
        seen.push(etag);
        return etag === '"v1"' ? { notModified: true } : { body, etag: '"v1"' };
      },
    };
    expect(await getOpenItems(7)).toEqual({ complaints: [], services: [] });
    await pullOpenItems(api, 7);
    expect(await pullOpenItems(api, 7)).toEqual(body);
    expect(seen).toEqual([null, '"v1"']);
    expect((await getOpenItems(7)).complaints[0].kelurahan).toBe('Cipaganti');
  });
});

describe('pruneSent', () => {
  const DAY = 24 * 60 * 60 * 1000;
  const now = Date.UTC(2026, 11, 3);

  it('removes acknowledged items older than the limit, never unsent or returned ones', async () => {
    const old = now - 31 * DAY;
    await db.putOutboxItem({ id: 'sent-old', user_id: 7, form: 'inspeksi-rw', subject: { rw_id: 5 }, observed_at: '2026-10-01T09:00:00+07:00', state: STATES.SENT, sent_at: old, created_at: 1 });
    await db.putOutboxItem({ id: 'sent-new', user_id: 7, form: 'pengaduan', state: STATES.SENT, sent_at: now - 2 * DAY, created_at: 2 });
    await db.putOutboxItem({ id: 'waiting-old', user_id: 7, form: 'pengaduan', state: STATES.WAITING, created_at: 3 });
    await db.putOutboxItem({ id: 'returned-old', user_id: 7, form: 'pengaduan', state: STATES.SENT, sent_at: old, review: { status: 'returned' }, created_at: 4 });
    await db.putOutboxItem({ id: 'other-user', user_id: 8, form: 'pengaduan', state: STATES.SENT, sent_at: old, created_at: 5 });
    expect(await pruneSent(7, { now })).toBe(1);
    expect((await db.listOutbox()).map((i) => i.id).sort()).toEqual(['other-user', 'returned-old', 'sent-new', 'waiting-old']);
    // The plan still knows RW 5 was inspected.
    expect(await db.getMeta('last_inspection:7')).toEqual({ 5: '2026-10-01T09:00:00+07:00' });
    expect(await pruneSent(7, { now, keepDays: 1 })).toBe(1);
  });

  it('pullNews runs the feed, the open items and the pruning', async () => {
    const api = { ...feed([review(1)]), async openItems() { return { body: { complaints: [], services: [] }, etag: null }; } };
    expect(await pullNews(api, 7)).toEqual({ reviews: 1, open: { complaints: [], services: [] }, pruned: 0 });
  });
});
