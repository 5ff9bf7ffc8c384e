// The API client turns HTTP outcomes into the typed errors the outbox decides on.
import { describe, expect, it } from 'vitest';
import { ApiError, AuthError, NetworkError, createApi } from '../src/api.js';

function reply(status, body = null, headers = {}) {
  return async () => new Response(body === null ? null : JSON.stringify(body), { status, headers });
}

describe('api client', () => {
  it('is online only when the health answer carries SIKK\'s signature', async () => {
    expect(await createApi({ fetch: reply(200, { service: 'sikk' }, { 'X-SIKK': '1' }) }).checkOnline()).toBe(true);
    expect(await createApi({ fetch: reply(200, '<html>captive portal</html>') }).checkOnline()).toBe(false);
    expect(await createApi({ fetch: async () => { throw new TypeError('Failed to fetch'); } }).checkOnline()).toBe(false);
  });

  it('sends the bearer token and bypasses the HTTP cache', async () => {
    let seen = null;
    const api = createApi({ getToken: async () => 'tok', fetch: async (url, init) => { seen = { url, init }; return new Response(JSON.stringify({ results: [] }), { status: 200 }); } });
    await api.postSubmissions([]);
    expect(seen.url).toBe('/api/v1/submissions');
    expect(seen.init.headers.Authorization).toBe('Bearer tok');
    expect(seen.init.cache).toBe('no-store');
  });

  it('types errors: 401 → AuthError, 5xx → retryable, 4xx → not, no answer → NetworkError', async () => {
    await expect(createApi({ fetch: reply(401, { error: { code: 'unauthorized', message: 'x' } }) }).postSubmissions([])).rejects.toBeInstanceOf(AuthError);
    const server = await createApi({ fetch: reply(503, { error: { code: 'unavailable' } }) }).postSubmissions([]).catch((e) => e);
    expect(server).toBeInstanceOf(ApiError);
    expect(server.retryable).toBe(true);
    const bad = await createApi({ fetch: reply(422, { error: { code: 'invalid', message: 'Bad', fields: { a: 'b' } } }) }).postSubmissions([]).catch((e) => e);
    expect(bad.retryable).toBe(false);
    expect(bad.fields).toEqual({ a: 'b' });
    await expect(createApi({ fetch: async () => { throw new TypeError('reset'); } }).postSubmissions([])).rejects.toBeInstanceOf(NetworkError);
  });

  it('revalidates the bootstrap with its ETag', async () => {
    let sent = null;
    const api = createApi({ fetch: async (url, init) => { sent = init.headers['If-None-Match']; return new Response(null, { status: 304 }); } });
    expect(await api.bootstrap('"abc"')).toEqual({ notModified: true });
    expect(sent).toBe('"abc"');
  });

  it('treats an attachment HEAD 404 as "not there yet", not as an error', async () => {
    expect(await createApi({ fetch: reply(404) }).hasAttachment('a'.repeat(64))).toBe(false);
    expect(await createApi({ fetch: reply(200) }).hasAttachment('a'.repeat(64))).toBe(true);
  });
});
