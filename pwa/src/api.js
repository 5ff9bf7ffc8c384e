/**
 * Fetch wrappers for /api/v1. Every call bypasses the HTTP cache; server errors become typed errors
 * so that the outbox can tell "try again later" (NetworkError, 5xx) from "log in again" (AuthError)
 * and from "this item is wrong" (ApiError with a 4xx status).
 */

/** The server answered with an error body {"error": {code, message, fields}}. */
export class ApiError extends Error {
  constructor(status, code, message, fields = {}) {
    super(message || code || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields || {};
  }

  /** 5xx and 429 are the server's trouble: retry later; other 4xx are the request's. */
  get retryable() {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

/** 401: the token expired or was revoked — keep everything, ask to log in again. */
export class AuthError extends ApiError {
  constructor(message) {
    super(401, 'unauthorized', message);
    this.name = 'AuthError';
  }
}

/** No answer at all (offline, cut connection, captive portal). */
export class NetworkError extends Error {
  constructor(message = 'network') {
    super(message);
    this.name = 'NetworkError';
  }
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const err = body && body.error ? body.error : {};
  if (response.status === 401) return new AuthError(err.message);
  return new ApiError(response.status, err.code, err.message, err.fields);
}

/**
 * Build the API client.
 * @param {{baseUrl?: string, fetch?: typeof fetch, getToken?: () => Promise<string|null>}} options
 */
/** The one fetch wrapper: bearer token, JSON body, typed errors for unexpected statuses. */
function makeCall(baseUrl, fetchImpl, getToken) {
  return async function call(method, path, { json, body, headers = {}, auth = true, expect = [200, 201] } = {}) {
    const finalHeaders = { ...headers };
    if (auth) {
      const token = await getToken();
      if (token) finalHeaders.Authorization = `Bearer ${token}`;
    }
    if (json !== undefined) {
      finalHeaders['Content-Type'] = 'application/json';
      body = JSON.stringify(json);
    }
    let response;
    try {
      response = await fetchImpl(`${baseUrl}${path}`, { method, headers: finalHeaders, body, cache: 'no-store', credentials: 'same-origin' });
    } catch (cause) {
      throw new NetworkError(String(cause && cause.message ? cause.message : cause));
    }
    if (!expect.includes(response.status)) throw await errorFrom(response);
    return response;
  };
}

/** A GET with If-None-Match: {notModified: true} or {body, etag}. */
async function conditionalGet(call, path, etag) {
  const headers = etag ? { 'If-None-Match': etag } : {};
  const response = await call('GET', path, { headers, expect: [200, 304] });
  if (response.status === 304) return { notModified: true };
  return { body: await response.json(), etag: response.headers.get('ETag') };
}

export function createApi({ baseUrl = '/api/v1', fetch: fetchImpl = globalThis.fetch.bind(globalThis), getToken = async () => null } = {}) {
  const call = makeCall(baseUrl, fetchImpl, getToken);

  return {
    /** "Online" = our own health endpoint answered with SIKK's signature (captive portals answer 200 too). */
    async checkOnline() {
      try {
        const response = await fetchImpl(`${baseUrl}/health`, { cache: 'no-store', credentials: 'omit' });
        return response.headers.get('X-SIKK') === '1';
      } catch {
        return false;
      }
    },

    async login(username, password, device) {
      const response = await call('POST', '/auth/token', { json: { username, password, device }, auth: false, expect: [201, 200] });
      return response.json();
    },

    /** GET /bootstrap with If-None-Match: {notModified: true} or {body, etag}. */
    bootstrap(etag) {
      return conditionalGet(call, '/bootstrap', etag);
    },

    /** GET /reviews: decisions on the caller's records reviewed after `since` → {reviews, next_cursor}. */
    async reviews(since) {
      const query = since ? `?since=${encodeURIComponent(since)}` : '';
      const response = await call('GET', `/reviews${query}`);
      return response.json();
    },

    /** GET /open-items with If-None-Match: {notModified: true} or {body: {complaints, services}, etag}. */
    openItems(etag) {
      return conditionalGet(call, '/open-items', etag);
    },

    /** POST a batch; returns the per-item results in order. */
    async postSubmissions(items) {
      const response = await call('POST', '/submissions', { json: { submissions: items }, expect: [200] });
      const payload = await response.json();
      return payload.results || [];
    },

    /** True when the server already holds this photo (a retry may skip the upload). */
    async hasAttachment(sha256) {
      const response = await call('HEAD', `/attachments/${sha256}`, { expect: [200, 404] });
      return response.status === 200;
    },

    /** PUT the photo's bytes under their hash; 200 (already there) and 201 both acknowledge it. */
    async putAttachment(sha256, blob, contentType) {
      await call('PUT', `/attachments/${sha256}`, { body: blob, headers: { 'Content-Type': contentType }, expect: [200, 201] });
    },

    /** Revoke the given token (the session is already gone from the device). */
    async logout(token) {
      const headers = token ? { Authorization: `Bearer ${token}` } : {};
      await call('DELETE', '/auth/token', { headers, auth: false, expect: [200, 204, 401, 404, 405] });
    },
  };
}
