// The one HTTP client of the mini-program: every server path, the session token,
// the error body of api.md turned into a message for the student, re-login on 401
// and bounded retries when the network drops. Pages get an instance from getApp().api
// so that tests can hand in a fake `wx` and a scripted server.

/**
 * Every path the mini-program calls, in one table. scripts/gen-contract.js writes it to
 * contract/api-paths.json, which the Go side compares with its router.
 * `upload` names the multipart file field; `auth: false` skips the bearer token.
 */
const PATHS = Object.freeze({
  login: { method: 'POST', path: '/api/v1/auth/wechat-login', auth: false },
  searchSchools: { method: 'GET', path: '/api/v1/schools' },
  info: { method: 'GET', path: '/api/v1/info' },
  createCollection: { method: 'POST', path: '/api/v1/collections' },
  listCollections: { method: 'GET', path: '/api/v1/collections' },
  getCollection: { method: 'GET', path: '/api/v1/collections/:id' },
  confirmCollection: { method: 'POST', path: '/api/v1/collections/:id/confirm' },
  uploadCaptureCode: { method: 'POST', path: '/api/v1/collections/:id/capture-code', upload: 'image' },
  uploadPhoto: { method: 'POST', path: '/api/v1/collections/:id/photo', upload: 'photo' },
  createOrder: { method: 'POST', path: '/api/v1/collections/:id/order' },
  subscribe: { method: 'POST', path: '/api/v1/collections/:id/subscribe' },
  approvedPhoto: { method: 'GET', path: '/api/v1/collections/:id/photo', download: true },
  standardPhoto: { method: 'GET', path: '/api/v1/collections/:id/photo/standard', download: true },
});

const MESSAGES = {
  network: '网络连接失败，请检查网络后重试',
  wxLogin: '微信登录失败，请稍后重试',
  badResponse: '服务器返回了无法识别的内容，请稍后重试',
  unauthorized: '登录已失效，请重新进入小程序',
  tooLarge: '文件太大，请换一张较小的图片',
  unavailable: '服务暂时不可用，请稍后再试',
};

/** An error the student can be shown: `message` is Chinese text, `code` stable English. */
class ApiError extends Error {
  constructor({ status = 0, code, message, details = {} }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details || {};
    this.shown = false;
  }
}

/** "METHOD /path/:id" lines, sorted, for the contract file. */
function contractPaths() {
  const lines = Object.values(PATHS).map((p) => `${p.method} ${p.path}`);
  return Array.from(new Set(lines)).sort();
}

/** Fills `:name` placeholders; a missing one is a programming error, so it throws. */
function buildPath(key, params = {}) {
  const spec = PATHS[key];
  if (!spec) throw new Error(`unknown API path ${key}`);
  return spec.path.replace(/:([a-z_]+)/g, (_, name) => {
    const value = params[name];
    if (value === undefined || value === null || value === '') {
      throw new Error(`path ${key} needs :${name}`);
    }
    return encodeURIComponent(String(value));
  });
}

function queryString(query) {
  if (!query) return '';
  const parts = Object.keys(query)
    .filter((k) => query[k] !== undefined && query[k] !== null && query[k] !== '')
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(query[k]))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

function parseBody(data) {
  if (typeof data !== 'string') return data;
  if (data === '') return null;
  try {
    return JSON.parse(data);
  } catch (e) {
    return undefined;
  }
}

function fallbackMessage(status) {
  if (status === 401) return MESSAGES.unauthorized;
  if (status === 413) return MESSAGES.tooLarge;
  if (status >= 500) return MESSAGES.unavailable;
  return `请求失败（${status}），请稍后再试`;
}

/** Turns a non-2xx answer into an ApiError, keeping the server's message as is. */
function errorFromResponse(status, body) {
  const err = body && typeof body === 'object' ? body.error : null;
  if (err && typeof err.message === 'string' && err.message) {
    return new ApiError({ status, code: err.code || `http_${status}`, message: err.message, details: err.details });
  }
  return new ApiError({ status, code: `http_${status}`, message: fallbackMessage(status) });
}

// A transport failure (no HTTP status at all): the only kind that is retried.
class NetworkLoss extends Error {}

function isOK(status) {
  return status >= 200 && status < 300;
}

/**
 * createClient builds a client around a `wx` object.
 * @param {{wx: WechatMiniprogram.Wx, config: object, sleep?: (ms:number)=>Promise<void>}} deps
 */
function createClient({ wx, config, sleep }) {
  const wait = sleep || ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const retry = Object.assign({ attempts: 3, baseDelayMs: 500, maxDelayMs: 4000 }, config.retry);
  let loginInFlight = null;
  let infoCache = null;

  function readSession() {
    try {
      const s = wx.getStorageSync(config.tokenKey);
      return s && typeof s === 'object' && s.token ? s : null;
    } catch (e) {
      return null;
    }
  }

  function saveSession(session) {
    wx.setStorageSync(config.tokenKey, session);
  }

  function clearSession() {
    try {
      wx.removeStorageSync(config.tokenKey);
    } catch (e) {
      // Nothing stored is as good as removed.
    }
  }

  // Transport: promisified wx calls. A `fail` callback is a lost network, not an HTTP error.
  function doRequest(method, url, header, data) {
    return new Promise((resolve, reject) => {
      wx.request({
        url,
        method,
        header: Object.assign({ 'Content-Type': 'application/json' }, header),
        data,
        dataType: 'json',
        success: (res) => resolve({ status: res.statusCode, body: parseBody(res.data) }),
        fail: (res) => reject(new NetworkLoss((res && res.errMsg) || 'request:fail')),
      });
    });
  }

  function doUpload(url, header, field, filePath, onProgress) {
    return new Promise((resolve, reject) => {
      const task = wx.uploadFile({
        url,
        filePath,
        name: field,
        header,
        success: (res) => resolve({ status: res.statusCode, body: parseBody(res.data) }),
        fail: (res) => reject(new NetworkLoss((res && res.errMsg) || 'uploadFile:fail')),
      });
      if (onProgress && task && typeof task.onProgressUpdate === 'function') {
        task.onProgressUpdate((p) => onProgress(p.progress));
      }
    });
  }

  function readErrorFile(path) {
    try {
      return parseBody(wx.getFileSystemManager().readFileSync(path, 'utf8'));
    } catch (e) {
      return null;
    }
  }

  function doDownload(url, header) {
    return new Promise((resolve, reject) => {
      wx.downloadFile({
        url,
        header,
        success: (res) => {
          const ok = isOK(res.statusCode);
          resolve({
            status: res.statusCode,
            body: ok ? { tempFilePath: res.tempFilePath } : readErrorFile(res.tempFilePath),
          });
        },
        fail: (res) => reject(new NetworkLoss((res && res.errMsg) || 'downloadFile:fail')),
      });
    });
  }

  /** Runs one transport call, retrying only lost connections, with doubling delays. */
  async function withRetry(perform) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await perform();
      } catch (e) {
        if (!(e instanceof NetworkLoss)) throw e;
        if (attempt >= retry.attempts) {
          throw new ApiError({ code: 'network_error', message: MESSAGES.network, details: { errMsg: e.message } });
        }
        await wait(Math.min(retry.baseDelayMs * 2 ** attempt, retry.maxDelayMs));
      }
    }
  }

  let devLogins = 0;
  function wxLoginCode() {
    // DevTools' wx.login codes mean nothing to the sandbox; it takes dev-<name>, once
    // each (codes are single-use): every login gets its own ~<nonce>.
    if (config.devLoginCode) {
      devLogins++;
      return Promise.resolve(`${config.devLoginCode}~${Date.now().toString(36)}${devLogins}`);
    }
    return new Promise((resolve, reject) => {
      wx.login({
        success: (res) => (res && res.code ? resolve(res.code) : reject(new ApiError({ code: 'wx_login_failed', message: MESSAGES.wxLogin }))),
        fail: () => reject(new ApiError({ code: 'wx_login_failed', message: MESSAGES.wxLogin })),
      });
    });
  }

  async function loginOnce() {
    const code = await wxLoginCode();
    const url = config.baseURL + PATHS.login.path;
    const res = await withRetry(() => doRequest(PATHS.login.method, url, {}, { code }));
    if (!isOK(res.status)) throw errorFromResponse(res.status, res.body);
    if (!res.body || !res.body.token) {
      throw new ApiError({ status: res.status, code: 'bad_response', message: MESSAGES.badResponse });
    }
    const session = { token: res.body.token, expires_at: res.body.expires_at || '', user_id: (res.body.user || {}).id || '' };
    saveSession(session);
    return session;
  }

  /** Logs in with wx.login; concurrent callers share one attempt. */
  function login() {
    if (!loginInFlight) {
      loginInFlight = loginOnce().finally(() => {
        loginInFlight = null;
      });
    }
    return loginInFlight;
  }

  function sessionExpired(session) {
    if (!session.expires_at) return false;
    const t = Date.parse(session.expires_at);
    // A minute of slack so a token does not expire between check and use.
    return Number.isFinite(t) && t - 60 * 1000 <= Date.now();
  }

  async function token() {
    const s = readSession();
    if (s && !sessionExpired(s)) return s.token;
    return (await login()).token;
  }

  /**
   * Sends a call through the session: adds the token, re-logs in and retries once on 401,
   * and throws ApiError for any non-2xx answer. `perform(url, header)` does the transport.
   */
  async function authorised(key, params, query, perform) {
    const spec = PATHS[key];
    const url = config.baseURL + buildPath(key, params) + queryString(query);
    for (let relogged = false; ; relogged = true) {
      const header = spec.auth === false ? {} : { Authorization: `Bearer ${await token()}` };
      const res = await withRetry(() => perform(spec, url, header));
      if (res.status === 401 && spec.auth !== false && !relogged) {
        clearSession();
        continue;
      }
      if (isOK(res.status)) {
        if (res.body === undefined) throw new ApiError({ status: res.status, code: 'bad_response', message: MESSAGES.badResponse });
        return res.body;
      }
      throw errorFromResponse(res.status, res.body);
    }
  }

  /** Shows an error's message in a modal, as the server wrote it. */
  function showError(err, title = '提示') {
    const message = err instanceof ApiError ? err.message : MESSAGES.unavailable;
    if (err && typeof err === 'object') err.shown = true;
    return new Promise((resolve) => {
      wx.showModal({ title, content: message, showCancel: false, confirmText: '知道了', complete: () => resolve() });
    });
  }

  // Every public call shows its error unless the caller passes {quiet: true} to handle it itself.
  async function guarded(opts, fn) {
    try {
      return await fn();
    } catch (err) {
      if (!(opts && opts.quiet)) showError(err);
      throw err;
    }
  }

  /** @param {string} key @param {{params?: object, query?: object, data?: any, quiet?: boolean}} [opts] */
  function request(key, { params, query, data, quiet } = {}) {
    return guarded({ quiet }, () =>
      authorised(key, params, query, (spec, url, header) => doRequest(spec.method, url, header, data)),
    );
  }

  /** @param {string} key @param {{params?: object, filePath?: string, onProgress?: (p: number) => void, quiet?: boolean}} [opts] */
  function upload(key, { params, filePath, onProgress, quiet } = {}) {
    return guarded({ quiet }, () =>
      authorised(key, params, null, (spec, url, header) => doUpload(url, header, spec.upload, filePath, onProgress)),
    );
  }

  /** @param {string} key @param {{params?: object, quiet?: boolean}} [opts] */
  function download(key, { params, quiet } = {}) {
    return guarded({ quiet }, () =>
      authorised(key, params, null, (spec, url, header) => doDownload(url, header)),
    ).then((body) => body.tempFilePath);
  }

  function defaultInfo() {
    return {
      price_fen: 0,
      support_phone: config.support.phone,
      support_hours: config.support.hours,
      instructions: [],
      photo_rules: [],
    };
  }

  /** GET /info once per client; on failure the defaults stand and the next call tries again. */
  function getInfo({ quiet = true } = {}) {
    if (!infoCache) {
      infoCache = request('info', { quiet })
        .then((info) => {
          const merged = defaultInfo();
          Object.keys(info || {}).forEach((k) => {
            if (info[k] !== null && info[k] !== undefined && info[k] !== '') merged[k] = info[k];
          });
          return merged;
        })
        .catch((err) => {
          infoCache = null;
          throw err;
        });
    }
    return infoCache;
  }

  return {
    login,
    request,
    upload,
    download,
    showError,
    getInfo,
    /** The price of one school (GET /info?school_id=); not cached, prices change per school. */
    schoolPriceFen: (schoolId, opts = {}) =>
      request('info', Object.assign({ query: { school_id: schoolId } }, opts)).then((b) => Number(b.price_fen) || 0),
    searchSchools: (q, opts = {}) =>
      request('searchSchools', Object.assign({ query: { q, limit: 20 } }, opts)).then((b) => b.schools || []),
    listCollections: (opts) => request('listCollections', opts).then((b) => b.collections || []),
    getCollection: (id, opts = {}) => request('getCollection', Object.assign({ params: { id } }, opts)).then((b) => b.collection),
    createCollection: (data, opts = {}) => request('createCollection', Object.assign({ data }, opts)).then((b) => b.collection),
    confirmCollection: (id, opts = {}) =>
      request('confirmCollection', Object.assign({ params: { id } }, opts)).then((b) => b.collection),
    uploadCaptureCode: (id, filePath, opts = {}) =>
      upload('uploadCaptureCode', Object.assign({ params: { id }, filePath }, opts)).then((b) => b.collection),
    uploadPhoto: (id, filePath, opts = {}) => upload('uploadPhoto', Object.assign({ params: { id }, filePath }, opts)),
    /** opts.data is the optional body, e.g. {ack_chsi_photo: true} once the student read collection.notice. */
    createOrder: (id, opts = {}) => request('createOrder', Object.assign({ params: { id } }, opts)),
    /** Records the template ids the student accepted in wx.requestSubscribeMessage (one message each). */
    setSubscription: (id, accepted, opts = {}) =>
      request('subscribe', Object.assign({ params: { id }, data: { accepted } }, opts)).then((b) => b.collection),
    downloadApprovedPhoto: (id, opts = {}) => download('approvedPhoto', Object.assign({ params: { id } }, opts)),
    /** The 480×640 standard photo the server cut from the upload (what the reviewer and 学信网 see). */
    downloadStandardPhoto: (id, opts = {}) => download('standardPhoto', Object.assign({ params: { id } }, opts)),
  };
}

module.exports = { PATHS, ApiError, MESSAGES, createClient, buildPath, contractPaths, errorFromResponse };
