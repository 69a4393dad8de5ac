// Runtime settings of the mini-program. Edit baseURL to point at another server
// (DevTools: a local `make run` on http://127.0.0.1:8080 with 不校验合法域名 ticked).
module.exports = {
  baseURL: 'http://127.0.0.1:8080',
  // Storage key of the session token; versioned so that a format change logs everyone in again.
  tokenKey: 'gradphoto.session.v1',
  // Network-loss retries: attempts after the first, delay doubling from baseDelayMs.
  retry: { attempts: 3, baseDelayMs: 500, maxDelayMs: 4000 },
  // Shown until GET /api/v1/info answers (and if it never does).
  support: { phone: '010-58691620', hours: '周二至周日 9:30-17:00' },
  // Dev only: a login code sent instead of wx.login's, e.g. 'dev-alice' for the server's
  // sandbox (which logs it in as openid sandbox-alice). Must stay '' in a release build.
  devLoginCode: '',
  // Debounce of the school search box.
  searchDebounceMs: 300,
};
