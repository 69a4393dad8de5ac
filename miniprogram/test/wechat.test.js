// What the real WeChat demands of the mini-program (issue 17): the API base and the dev
// login code by envVersion, privacy consent with an explained refusal, 支付确认中 after
// paying, the subscribe panel offered again (after paying, on 重新上传), a spent phone
// code dropped, and images checked before they are uploaded.
const { setup, openPage, openComponent, tap, text, texts, lastNavigation, settle } = require('./helpers/env');

function accountInfo(envVersion) {
  return { getAccountInfoSync: () => ({ miniProgram: { appId: 'wx0000000000000000', envVersion } }) };
}

describe('release config', () => {
  const { buildConfig, HOSTS } = require('../utils/config');

  test.each([
    ['develop', 'http://127.0.0.1:8080', 'dev-alice'],
    ['trial', HOSTS.trial, ''],
    ['release', HOSTS.release, ''],
  ])('%s: API base %s, dev login code %j', (envVersion, baseURL, devLoginCode) => {
    const config = buildConfig(accountInfo(envVersion), { devLoginCode: 'dev-alice' });
    expect(config.envVersion).toBe(envVersion);
    expect(config.baseURL).toBe(baseURL);
    expect(config.devLoginCode).toBe(devLoginCode);
  });

  test('trial and release talk HTTPS only (WeChat refuses http outside develop)', () => {
    expect(HOSTS.trial).toMatch(/^https:\/\/[a-z0-9.-]+$/);
    expect(HOSTS.release).toMatch(/^https:\/\/[a-z0-9.-]+$/);
  });

  test('an unreadable or unknown version is treated as release: no dev code, HTTPS', () => {
    for (const wxApi of [undefined, {}, accountInfo('preview'), { getAccountInfoSync: () => { throw new Error('x'); } }]) {
      const config = buildConfig(wxApi, { devLoginCode: 'dev-alice' });
      expect(config.envVersion).toBe('release');
      expect(config.baseURL).toMatch(/^https:/);
      expect(config.devLoginCode).toBe('');
    }
  });

  test('app.json sets networkTimeout for 10 MB uploads and lists the privacy page', () => {
    const app = require('../app.json');
    expect(app.networkTimeout.uploadFile).toBeGreaterThanOrEqual(60000);
    expect(app.networkTimeout.request).toBeGreaterThan(0);
    expect(app.networkTimeout.downloadFile).toBeGreaterThan(0);
    expect(app.pages).toContain('pages/privacy/privacy');
    expect(app.pages).toContain('pages/review/review');
  });
});

describe('privacy consent', () => {
  async function popup(env) {
    const comp = await openComponent(env, '/components/privacy-consent/privacy-consent');
    // The component's own copy of the module (openComponent resets the module registry).
    return { comp, privacy: require('../utils/privacy') };
  }

  test('app launch registers wx.onNeedPrivacyAuthorization', () => {
    const env = setup();
    require('../utils/privacy').install(env.wx);
    expect(env.wx.calls.onNeedPrivacyAuthorization).toHaveLength(1);
  });

  test('WeChat asks: the popup shows, 同意 is the agreePrivacyAuthorization button and answers agree', async () => {
    const env = setup();
    const { comp, privacy } = await popup(env);
    expect(comp.querySelector('.privacy-agree')).toBeFalsy();
    const answers = [];
    privacy.install({ onNeedPrivacyAuthorization: (fn) => fn((r) => answers.push(r), { referrer: 'chooseMedia' }) });
    await settle(env.wx);
    expect(comp.querySelector('.privacy-agree')).toBeTruthy();
    // WeChat takes consent only from this button type, with its bindagreeprivacyauthorization.
    const wxml = require('fs').readFileSync(require('path').join(__dirname, '../components/privacy-consent/privacy-consent.wxml'), 'utf8');
    expect(wxml).toMatch(/<button id="agree-btn"[^>]*open-type="agreePrivacyAuthorization"[^>]*bindagreeprivacyauthorization="onAgree"/);
    expect(answers).toEqual([{ event: 'exposureAuthorization' }]);
    await tap(env, comp, '.privacy-contract');
    expect(env.wx.calls.openPrivacyContract).toHaveLength(1);
    comp.querySelector('.privacy-agree').dispatchEvent('agreeprivacyauthorization');
    await settle(env.wx);
    expect(answers[1]).toEqual({ buttonId: 'agree-btn', event: 'agree' });
    expect(comp.querySelector('.privacy-agree')).toBeFalsy();
  });

  test('拒绝 answers disagree and says what cannot work without consent', async () => {
    const env = setup();
    const { comp, privacy } = await popup(env);
    const answers = [];
    privacy.install({ onNeedPrivacyAuthorization: (fn) => fn((r) => answers.push(r), { referrer: 'getPhoneNumber' }) });
    await settle(env.wx);
    await tap(env, comp, '.privacy-disagree');
    expect(answers[1]).toEqual({ event: 'disagree' });
    expect(text(comp, '.privacy-refused')).toContain('无法选择和上传采集码截图与照片');
    expect(text(comp, '.privacy-refused')).toContain('手动输入手机号');
    await tap(env, comp, '.privacy-close');
    expect(comp.querySelector('.privacy-refused')).toBeFalsy();
  });

  test('without a popup on screen the request is refused at once, not left hanging', () => {
    jest.resetModules();
    const privacy = require('../utils/privacy');
    const answers = [];
    privacy.install({ onNeedPrivacyAuthorization: (fn) => fn((r) => answers.push(r), {}) });
    expect(answers).toEqual([{ event: 'disagree' }]);
    expect(privacy.pending()).toBe(false);
  });

  test('the privacy page lists what is collected and why', async () => {
    const env = setup();
    const page = await openPage(env, '/pages/privacy/privacy');
    const items = texts(page, '.collected-what').join(' ');
    for (const what of ['姓名', '学号', '手机号', '采集码', '照片', 'openid']) expect(items).toContain(what);
    expect(texts(page, '.collected-why').every((w) => w.startsWith('用途：') && w.length > 6)).toBe(true);
  });

  test('a refused image picker is explained, not a silent cancel', async () => {
    const env = setup();
    env.server.addCollection({ owner: 'sandbox-student', status: 'confirmed' });
    const page = await openPage(env, '/pages/capture/capture?id=c_1');
    env.script.chosenFiles.push('privacy-refused');
    await tap(env, page, '.choose-media');
    expect(env.wx.calls.showModal[0].content).toContain('未同意《用户隐私保护指引》');
    expect(page.instance.data.filePath).toBe('');
  });

  test('a refused getPhoneNumber says to type the phone', async () => {
    const env = setup();
    const page = await openPage(env, '/pages/verify/verify?school_id=s_upc&school_name=x&level=%E6%9C%AC%E7%A7%91');
    page.querySelector('.phone-button').dispatchEvent('getphonenumber', {
      detail: { errMsg: 'getPhoneNumber:fail privacy permission is not authorized', errno: 104 },
    });
    await settle(env.wx);
    expect(text(page, '.phone-hint')).toContain('请手动输入手机号');
  });
});

describe('images are checked before upload', () => {
  test.each([
    [{ path: 'wxfile://tmp/IMG_0001.HEIC', size: 900000 }, 'HEIC'],
    [{ path: 'wxfile://tmp/scan.webp', size: 900000 }, 'WEBP'],
    [{ path: 'wxfile://tmp/huge.jpg', size: 12 * 1024 * 1024 }, '超过 10MB'],
  ])('%j is refused with %s, nothing is uploaded', async (file, words) => {
    const env = setup();
    env.server.addCollection({ owner: 'sandbox-student', status: 'confirmed' });
    const page = await openPage(env, '/pages/capture/capture?id=c_1');
    env.script.chosenFiles.push(file);
    await tap(env, page, '.choose-media');
    expect(env.wx.calls.showModal[0].content).toContain(words);
    expect(page.instance.data.filePath).toBe('');
    expect(env.wx.calls.uploadFile).toBeUndefined();
  });

  test('a JPG from a chat within the size is taken', async () => {
    const env = setup();
    env.server.addCollection({ owner: 'sandbox-student', status: 'confirmed' });
    const page = await openPage(env, '/pages/capture/capture?id=c_1');
    env.script.chosenFiles.push({ path: 'wxfile://tmp/x', name: 'code.jpg', size: 2 * 1024 * 1024 });
    await tap(env, page, '.choose-message');
    expect(env.wx.calls.showModal).toBeUndefined();
    expect(page.instance.data.filePath).toBe('wxfile://tmp/x');
  });
});

describe('支付确认中', () => {
  async function payPage(env) {
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'photo_ok' });
    return { c, page: await openPage(env, `/pages/pay/pay?id=${c.id}`) };
  }

  test('paid but not yet notified: the page reads the collection until the payment shows, then review', async () => {
    const env = setup();
    env.script.confirmAfterReads = 2;
    const { c, page } = await payPage(env);
    await tap(env, page, '.pay');
    const reads = env.server.requests.filter((r) => r.method === 'GET' && r.path === `/api/v1/collections/${c.id}`);
    expect(reads.length).toBeGreaterThanOrEqual(4); // the page load, then three reads while confirming
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/review/review?id=${c.id}` });
  });

  test('not confirmed in time: 支付确认中 with a refresh, never back to paying; the refresh finds it', async () => {
    const env = setup();
    env.script.confirmAfterReads = 50;
    const { c, page } = await payPage(env);
    await tap(env, page, '.pay');
    expect(text(page, '.pay-state')).toContain('支付确认中');
    expect(text(page, '.pay-state')).toContain('无需重复支付');
    expect(page.querySelector('.pay')).toBeFalsy();
    expect(lastNavigation(env.wx)).toBeNull();
    env.server.paidAtWeChat.set(c.id, 0);
    await tap(env, page, '.confirm-refresh');
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/review/review?id=${c.id}` });
    expect(env.wx.calls.requestPayment).toHaveLength(1);
  });
});

describe('subscribe messages are asked for again', () => {
  function reviewSetup(status, fields = {}) {
    const env = setup();
    env.server.info.subscribe_template_ids = ['tmpl_approved', 'tmpl_rejected'];
    const c = env.server.addCollection(Object.assign({ owner: 'sandbox-student', status, order: { out_trade_no: 'GP1', amount_fen: 2000, status: 'paid' } }, fields));
    return { env, c };
  }

  test('重新上传 asks in the same tap, records the accepted ids, then opens the photo page', async () => {
    const { env, c } = reviewSetup('rejected', { review: { status: 'rejected', reasons: ['头发遮挡眉毛'], decided_at: '2026-06-02T10:00:00+08:00' } });
    env.script.subscribeAnswer = { tmpl_approved: 'accept', tmpl_rejected: 'accept' };
    const page = await openPage(env, `/pages/review/review?id=${c.id}`);
    await tap(env, page, '.reupload');
    expect(env.wx.calls.requestSubscribeMessage).toHaveLength(1);
    expect(env.server.requests.find((r) => r.path.endsWith('/subscribe')).body).toEqual({ accepted: ['tmpl_approved', 'tmpl_rejected'] });
    expect(lastNavigation(env.wx)).toEqual({ kind: 'navigateTo', url: `/pages/photo/photo?id=${c.id}` });
  });

  test('重新上传 still opens the photo page when the student declines', async () => {
    const { env, c } = reviewSetup('rejected', { review: { status: 'rejected', reasons: [], decided_at: '2026-06-02T10:00:00+08:00' } });
    env.script.subscribeAnswer = { tmpl_approved: 'reject', tmpl_rejected: 'reject' };
    const page = await openPage(env, `/pages/review/review?id=${c.id}`);
    await tap(env, page, '.reupload');
    expect(env.server.requests.some((r) => r.path.endsWith('/subscribe'))).toBe(false);
    expect(lastNavigation(env.wx)).toEqual({ kind: 'navigateTo', url: `/pages/photo/photo?id=${c.id}` });
  });

  test('after paying, a pending result offers 接收审核结果通知 until both templates are accepted', async () => {
    const { env, c } = reviewSetup('in_review', { subscribed: ['tmpl_approved'] });
    const page = await openPage(env, `/pages/review/review?id=${c.id}`);
    expect(page.querySelector('.subscribe')).toBeTruthy();
    await tap(env, page, '.subscribe');
    expect(env.wx.calls.requestSubscribeMessage[0].tmplIds).toEqual(['tmpl_approved', 'tmpl_rejected']);
    expect(page.querySelector('.subscribe')).toBeFalsy();
  });
});

describe('phone code', () => {
  const VERIFY = '/pages/verify/verify?school_id=s_upc&school_name=x&level=%E6%9C%AC%E7%A7%91';

  async function withCode(env) {
    const page = await openPage(env, VERIFY);
    page.querySelector('.input-name').dispatchEvent('input', { detail: { value: '张三' } });
    page.querySelector('.input-student-no').dispatchEvent('input', { detail: { value: '2019001' } });
    page.querySelector('.phone-button').dispatchEvent('getphonenumber', { detail: { code: 'phone-13800000000' } });
    await settle(env.wx);
    return page;
  }

  const posts = (env) => env.server.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/collections');

  test('student_not_found before the code was spent: the retry sends the same code', async () => {
    const env = setup();
    const page = await withCode(env);
    env.server.respondOnce('POST', /^\/api\/v1\/collections$/, 422, { error: { code: 'student_not_found', message: '信息无法确认', details: {} } });
    await tap(env, page, '.submit');
    expect(text(page, '.phone-authorised')).toContain('已授权微信手机号');
    await tap(env, page, '.submit');
    expect(posts(env).map((r) => r.body.phone_code)).toEqual(['phone-13800000000', 'phone-13800000000']);
  });

  test.each([
    ['student_not_found', { phone_code_used: true }],
    ['phone_code_invalid', {}],
  ])('%s with a spent code: the code is dropped, never sent again', async (code, details) => {
    const env = setup();
    const page = await withCode(env);
    env.server.respondOnce('POST', /^\/api\/v1\/collections$/, 422, { error: { code, message: '信息无法确认', details } });
    await tap(env, page, '.submit');
    expect(page.querySelector('.phone-authorised')).toBeFalsy();
    expect(text(page, '.phone-hint')).toContain('已使用');
    await tap(env, page, '.submit');
    expect(posts(env)).toHaveLength(1); // no phone now: the form asks for one first
    expect(text(page, '.form-error')).toContain('手机号');
  });

  test('a code older than its 5 minutes is not sent', async () => {
    const env = setup();
    const page = await withCode(env);
    page.instance.setData({ phoneCodeAt: Date.now() - 5 * 60 * 1000 - 1 });
    page.querySelector('.input-phone').dispatchEvent('input', { detail: { value: '13800000000' } });
    await tap(env, page, '.submit');
    expect(posts(env)[0].body.phone_code).toBeUndefined();
    expect(posts(env)[0].body.phone).toBe('13800000000');
  });
});
