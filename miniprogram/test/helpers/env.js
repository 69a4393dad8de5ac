// Test environment: a fake `wx` that records every call and sends requests, uploads and
// downloads to a FakeServer; a getApp() holding a real client around it; and openPage(),
// which renders a page with miniprogram-simulate the way WeChat would open its URL.

const path = require('path');
const simulate = require('miniprogram-simulate');
const { FakeServer } = require('./fake-server');
const { createClient } = require('../../utils/api');
const baseConfig = require('../../utils/config');

const ROOT = path.resolve(__dirname, '../..');

function tick() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function createFakeWx(server, script) {
  const calls = {};
  const storage = new Map();
  let pending = 0;
  let loginSeq = 0;

  function record(name, arg) {
    (calls[name] = calls[name] || []).push(arg);
  }

  // Answers asynchronously, like WeChat; `drop` is how many next transfers fail.
  function later(fn) {
    pending++;
    setTimeout(() => {
      pending--;
      fn();
    }, 0);
  }

  function transfer(name, opts, kind, body) {
    record(name, opts);
    later(() => {
      if (script.dropTransfers > 0) {
        script.dropTransfers--;
        if (opts.fail) opts.fail({ errMsg: `${name}:fail timeout` });
        if (opts.complete) opts.complete({});
        return;
      }
      const res = server.handle({ kind, method: opts.method || (kind === 'download' ? 'GET' : 'POST'), url: opts.url, header: opts.header, body });
      let answer;
      if (kind === 'download') {
        const ok = res.status >= 200 && res.status < 300;
        const temp = ok ? res.body.tempFilePath : `wxfile://tmp/error-${calls[name].length}.json`;
        if (!ok) files.set(temp, JSON.stringify(res.body));
        answer = { statusCode: res.status, tempFilePath: temp };
      } else if (kind === 'upload') {
        answer = { statusCode: res.status, data: JSON.stringify(res.body) };
      } else {
        // wx.request with dataType json parses the body itself.
        answer = { statusCode: res.status, data: res.body, header: {} };
      }
      if (opts.success) opts.success(answer);
      if (opts.complete) opts.complete(answer);
    });
  }

  const files = new Map();
  const progressEvents = [];
  const navigations = [];

  function navigate(kind, opts) {
    record(kind, opts);
    navigations.push({ kind, url: opts.url });
  }

  const wx = {
    calls,
    storage,
    progressEvents,
    navigations,
    pending: () => pending,

    login(opts) {
      record('login', opts);
      later(() => {
        if (script.wxLoginFails) return opts.fail && opts.fail({ errMsg: 'login:fail' });
        loginSeq++;
        opts.success({ code: `dev-student-${loginSeq}`, errMsg: 'login:ok' });
      });
    },
    request(opts) {
      transfer('request', opts, 'request', opts.data);
      return { abort() {} };
    },
    uploadFile(opts) {
      const listeners = [];
      const task = {
        onProgressUpdate: (fn) => listeners.push(fn),
        abort() {},
      };
      // Progress arrives before the answer, as on a device.
      later(() => {
        [40, 100].forEach((progress) => {
          progressEvents.push(progress);
          listeners.forEach((fn) => fn({ progress, totalBytesSent: progress * 1000, totalBytesExpectedToSend: 100000 }));
        });
      });
      transfer('uploadFile', opts, 'upload', { field: opts.name, filePath: opts.filePath });
      return task;
    },
    downloadFile(opts) {
      transfer('downloadFile', opts, 'download');
      return { onProgressUpdate() {}, abort() {} };
    },
    getFileSystemManager() {
      return {
        readFileSync(p) {
          if (!files.has(p)) throw new Error(`no such file ${p}`);
          return files.get(p);
        },
      };
    },

    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k, v) => storage.set(k, v),
    removeStorageSync: (k) => storage.delete(k),

    showModal(opts) {
      record('showModal', opts);
      const confirm = script.modalAnswers.length ? script.modalAnswers.shift() : true;
      const res = { confirm, cancel: !confirm };
      later(() => {
        if (opts.success) opts.success(res);
        if (opts.complete) opts.complete(res);
      });
    },
    showToast: (opts) => record('showToast', opts),
    showLoading: (opts) => record('showLoading', opts),
    hideLoading: (opts) => record('hideLoading', opts),
    stopPullDownRefresh: () => record('stopPullDownRefresh', {}),
    navigateTo: (opts) => navigate('navigateTo', opts),
    redirectTo: (opts) => navigate('redirectTo', opts),
    reLaunch: (opts) => navigate('reLaunch', opts),
    navigateBack: (opts) => record('navigateBack', opts || {}),
    makePhoneCall: (opts) => record('makePhoneCall', opts),
    previewImage: (opts) => record('previewImage', opts),

    // script.chosenFiles: a path, or {path, size, name}, or 'privacy-refused'.
    chooseMedia(opts) {
      record('chooseMedia', opts);
      later(() => {
        const next = script.chosenFiles.shift();
        if (next === 'privacy-refused') {
          return opts.fail && opts.fail({ errMsg: 'chooseMedia:fail privacy permission is not authorized', errno: 104 });
        }
        if (!next) return opts.fail && opts.fail({ errMsg: 'chooseMedia:fail cancel' });
        const f = typeof next === 'string' ? { path: next } : next;
        opts.success({ type: 'image', tempFiles: [{ tempFilePath: f.path, size: f.size || 120000, fileType: 'image' }] });
      });
    },
    chooseMessageFile(opts) {
      record('chooseMessageFile', opts);
      later(() => {
        const next = script.chosenFiles.shift();
        if (next === 'privacy-refused') {
          return opts.fail && opts.fail({ errMsg: 'chooseMessageFile:fail privacy permission is not authorized', errno: 104 });
        }
        if (!next) return opts.fail && opts.fail({ errMsg: 'chooseMessageFile:fail cancel' });
        const f = typeof next === 'string' ? { path: next } : next;
        opts.success({ tempFiles: [{ path: f.path, size: f.size || 120000, name: f.name || 'shot.png', type: 'image' }] });
      });
    },
    openPrivacyContract: (opts) => record('openPrivacyContract', opts || {}),
    onNeedPrivacyAuthorization: (fn) => record('onNeedPrivacyAuthorization', fn),
    // script.subscribeAnswer: {tmplId: 'accept'|'reject'|...} or 'fail'; unset accepts every template.
    requestSubscribeMessage(opts) {
      record('requestSubscribeMessage', opts);
      later(() => {
        const answer = script.subscribeAnswer;
        if (answer === 'fail') {
          if (opts.fail) opts.fail({ errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.', errCode: 20001 });
        } else {
          const res = { errMsg: 'requestSubscribeMessage:ok' };
          opts.tmplIds.forEach((t) => {
            res[t] = answer ? answer[t] || 'reject' : 'accept';
          });
          if (opts.success) opts.success(res);
        }
        if (opts.complete) opts.complete({});
      });
    },
    requestPayment(opts) {
      record('requestPayment', opts);
      later(() => {
        const outcome = script.paymentOutcomes.length ? script.paymentOutcomes.shift() : 'success';
        if (outcome === 'success') {
          if (script.onPaid) script.onPaid(opts);
          else server.payAtWeChat(opts.package, script.confirmAfterReads || 0);
          if (opts.success) opts.success({ errMsg: 'requestPayment:ok' });
        } else if (opts.fail) {
          opts.fail({ errMsg: outcome === 'cancel' ? 'requestPayment:fail cancel' : `requestPayment:fail ${outcome}` });
        }
        if (opts.complete) opts.complete({});
      });
    },
  };
  return wx;
}

/**
 * setup() gives a fresh server, fake wx, app and client. `script` steers the fake wx:
 * chosenFiles (paths wx.chooseMedia/chooseMessageFile return), paymentOutcomes
 * ('success' | 'cancel' | other), modalAnswers (confirm true/false), dropTransfers,
 * subscribeAnswer (what wx.requestSubscribeMessage answers, see there), confirmAfterReads
 * (how many reads of the collection pass before the server sees a payment made at
 * WeChat; unset: at once; onPaid replaces this), privacyAnswer.
 */
function setup() {
  const server = new FakeServer();
  const script = { chosenFiles: [], paymentOutcomes: [], modalAnswers: [], dropTransfers: 0, wxLoginFails: false, onPaid: null, subscribeAnswer: null };
  const wx = createFakeWx(server, script);
  const sleeps = [];
  const config = Object.assign({}, baseConfig, { searchDebounceMs: 20, payConfirm: { attempts: 4, intervalMs: 0 } });
  const api = createClient({ wx, config, sleep: (ms) => (sleeps.push(ms), Promise.resolve()) });
  const app = { api, config };
  global.wx = wx;
  global.getApp = () => app;
  return { server, script, wx, api, app, sleeps, config };
}

/** Waits until the fake wx has no pending callbacks and the page settled. */
async function settle(wx, rounds = 3) {
  for (let quiet = 0; quiet < rounds; ) {
    await tick();
    quiet = wx.pending() === 0 ? quiet + 1 : 0;
  }
}

function parseQuery(qs) {
  const out = {};
  (qs || '').split('&').filter(Boolean).forEach((kv) => {
    const i = kv.indexOf('=');
    // Values stay URL-encoded, as WeChat hands them to onLoad.
    out[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? '' : kv.slice(i + 1);
  });
  return out;
}

// simulate runs a page's and its components' JS with require(); jest caches modules
// itself, so without a reset a second load would not run Component() again.
function load(projectPath) {
  jest.resetModules();
  return simulate.load(path.join(ROOT, projectPath), { rootPath: ROOT, compiler: 'simulate' });
}

/** Renders the page at url ("/pages/x/x?id=1"), calls onLoad and onShow, waits for it to settle. */
async function openPage(env, url) {
  const [pagePath, qs] = url.split('?');
  const id = load(pagePath);
  const page = simulate.render(id);
  page.attach(document.createElement('parent-wrapper'));
  if (page.instance.onLoad) page.instance.onLoad(parseQuery(qs));
  if (page.instance.onShow) page.instance.onShow();
  await settle(env.wx);
  return page;
}

/** Renders a component with properties. */
async function openComponent(env, componentPath, props) {
  const id = load(componentPath);
  const comp = simulate.render(id, props);
  comp.attach(document.createElement('parent-wrapper'));
  await settle(env.wx);
  return comp;
}

/** Taps the element matching selector and waits for the page to settle. */
async function tap(env, page, selector, detail) {
  const el = page.querySelector(selector);
  if (!el) throw new Error(`nothing matches ${selector}`);
  el.dispatchEvent('tap', detail ? { detail } : undefined);
  await settle(env.wx);
}

async function input(env, page, selector, value) {
  const el = page.querySelector(selector);
  if (!el) throw new Error(`nothing matches ${selector}`);
  el.dispatchEvent('input', { detail: { value } });
  await settle(env.wx);
}

function text(page, selector) {
  const el = page.querySelector(selector);
  return el ? el.dom.textContent.replace(/\s+/g, ' ').trim() : null;
}

function texts(page, selector) {
  return page.querySelectorAll(selector).map((el) => el.dom.textContent.replace(/\s+/g, ' ').trim());
}

/** The last navigateTo/redirectTo/reLaunch, or null. */
function lastNavigation(wx) {
  return wx.navigations.length ? wx.navigations[wx.navigations.length - 1] : null;
}

module.exports = { ROOT, setup, settle, openPage, openComponent, tap, input, text, texts, parseQuery, lastNavigation, tick };
