// The console's only way to the server: the same admin API as every other client,
// authenticated by the HttpOnly session cookie, with the CSRF token on every change.

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

const state = { csrf: '', offset: 0 };

/** The server's clock, estimated from the Date header (lease countdowns survive a wrong PC clock). */
export function serverNow() { return Date.now() + state.offset; }

export function setCSRF(token) { state.csrf = token || ''; }

/** Called when the session is gone (401): the app shows the login form. */
export const onUnauthorized = new EventTarget();

export const ADMIN = '/admin/api/v1';

/**
 * api('POST', '/admin/api/v1/...', {json} | {form}) → parsed JSON, null for 204,
 * or throws ApiError carrying the server's Chinese message.
 */
export async function api(method, url, { json, form, quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = state.csrf;
  let res;
  try {
    res = await fetch(url, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试');
  }
  const date = Date.parse(res.headers.get('Date') || '');
  if (!Number.isNaN(date)) state.offset = date + 500 - Date.now(); // the header has whole seconds
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    const e = (data && data.error) || {};
    const err = new ApiError(res.status, e.code || `http_${res.status}`,
      e.message || `请求失败（${res.status}）`, e.details);
    if (res.status === 401 && !quiet401) onUnauthorized.dispatchEvent(new Event('unauthorized'));
    throw err;
  }
  return data;
}
