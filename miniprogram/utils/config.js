// Runtime settings of the mini-program. The API base follows the version WeChat runs
// (wx.getAccountInfoSync().miniProgram.envVersion): develop (DevTools, 开发版) talks to a
// local `make run`; trial (体验版) and release (正式版) talk to the HTTPS host filed in
// the admin console's request/uploadFile/downloadFile legal domains (see README.md).
// devLoginCode exists only in develop: a release build never sends a made-up login code.

const HOSTS = {
  // DevTools with 不校验合法域名 ticked; a phone on the LAN needs the computer's address.
  develop: 'http://127.0.0.1:8080',
  // The filed HTTPS domain (服务器域名). WeChat refuses http and unfiled hosts outside develop.
  trial: 'https://gradphoto.example.cn',
  release: 'https://gradphoto.example.cn',
};

// Dev only: a login code sent instead of wx.login's, e.g. 'dev-alice' for the server's
// sandbox (which logs it in as openid sandbox-alice). A fresh ~<nonce> is appended to
// each use, because codes are single-use (as WeChat's are). Ignored outside develop.
const DEV_LOGIN_CODE = '';

const ENV_VERSIONS = ['develop', 'trial', 'release'];

/** The version WeChat runs, 'release' when it cannot be read (the safe choice). */
function envVersion(wxApi) {
  try {
    const v = wxApi.getAccountInfoSync().miniProgram.envVersion;
    return ENV_VERSIONS.includes(v) ? v : 'release';
  } catch (e) {
    return 'release';
  }
}

/** The settings for the version wxApi runs; dev.devLoginCode stands for DEV_LOGIN_CODE (tests). */
function buildConfig(wxApi, dev = { devLoginCode: DEV_LOGIN_CODE }) {
  const env = envVersion(wxApi);
  return {
    envVersion: env,
    baseURL: HOSTS[env],
    devLoginCode: env === 'develop' ? dev.devLoginCode : '',
    // Storage key of the session token; versioned so that a format change logs everyone in again.
    tokenKey: 'gradphoto.session.v1',
    // Network-loss retries: attempts after the first, delay doubling from baseDelayMs.
    retry: { attempts: 3, baseDelayMs: 500, maxDelayMs: 4000 },
    // Shown until GET /api/v1/info answers (and if it never does).
    support: { phone: '010-58691620', hours: '周二至周日 9:30-17:00' },
    // Debounce of the school search box.
    searchDebounceMs: 300,
    // Images the server accepts (http.max_upload_bytes, 10 MB) and can decode (JPEG, PNG).
    upload: { maxBytes: 10 * 1024 * 1024, extensions: ['jpg', 'jpeg', 'png'] },
    // A phone-number code lives 5 minutes at WeChat: an older one is not sent.
    phoneCodeLifeMs: 5 * 60 * 1000,
  };
}

module.exports = Object.assign(buildConfig(typeof wx === 'undefined' ? undefined : wx), { buildConfig, HOSTS });
