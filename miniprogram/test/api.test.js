const { setup, settle } = require('./helpers/env');
const { ApiError, MESSAGES } = require('../utils/api');

function loginRequests(env) {
  return env.server.requests.filter((r) => r.path === '/api/v1/auth/wechat-login');
}

describe('api client: session', () => {
  test('logs in with the wx.login code, stores the token and sends it as a bearer header', async () => {
    const env = setup();
    const schools = await env.api.searchSchools('北京');
    expect(schools.map((s) => s.id)).toEqual(['s_upcb', 's_pku']);
    expect(loginRequests(env)).toHaveLength(1);
    expect(loginRequests(env)[0].body).toEqual({ code: 'dev-student-1' });
    expect(env.wx.storage.get(env.config.tokenKey)).toMatchObject({ token: 'tok-1', user_id: 'u_1' });
    const search = env.server.requests.find((r) => r.path === '/api/v1/schools');
    expect(search.header.Authorization).toBe('Bearer tok-1');
    expect(search.query).toEqual({ q: '北京', limit: '20' });
  });

  test('reuses a stored token without logging in again', async () => {
    const env = setup();
    await env.api.listCollections();
    await env.api.listCollections();
    expect(env.wx.calls.login).toHaveLength(1);
  });

  test('concurrent first calls share one login', async () => {
    const env = setup();
    await Promise.all([env.api.listCollections(), env.api.getInfo(), env.api.searchSchools('大学')]);
    expect(env.wx.calls.login).toHaveLength(1);
  });

  test('an expired stored token is replaced before use', async () => {
    const env = setup();
    env.wx.storage.set(env.config.tokenKey, { token: 'old', expires_at: '2000-01-01T00:00:00Z' });
    await env.api.listCollections();
    expect(env.server.requests.map((r) => r.path)).toEqual(['/api/v1/auth/wechat-login', '/api/v1/collections']);
  });

  test('on 401 it logs in again and retries the call once', async () => {
    const env = setup();
    await env.api.listCollections();
    env.server.expireTokens();
    const list = await env.api.listCollections();
    expect(list).toEqual([]);
    expect(env.server.requests.map((r) => `${r.path} ${r.header.Authorization || ''}`.trim())).toEqual([
      '/api/v1/auth/wechat-login',
      '/api/v1/collections Bearer tok-1',
      '/api/v1/collections Bearer tok-1',
      '/api/v1/auth/wechat-login',
      '/api/v1/collections Bearer tok-2',
    ]);
    expect(env.wx.calls.showModal).toBeUndefined();
  });

  test('a second 401 after re-login is an error, not a loop', async () => {
    const env = setup();
    const unauthorized = { error: { code: 'unauthorized', message: '登录已过期，请重新登录', details: {} } };
    env.server.respondOnce('GET', /^\/api\/v1\/collections$/, 401, unauthorized);
    env.server.respondOnce('GET', /^\/api\/v1\/collections$/, 401, unauthorized);
    await expect(env.api.listCollections({ quiet: true })).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(loginRequests(env)).toHaveLength(2);
    expect(env.server.requests.filter((r) => r.path === '/api/v1/collections')).toHaveLength(2);
  });

  test('a refused login shows the server message', async () => {
    const env = setup();
    env.server.respondOnce('POST', /wechat-login/, 503, { error: { code: 'wechat_unavailable', message: '微信服务暂时不可用，请稍后再试', details: {} } });
    await expect(env.api.listCollections()).rejects.toMatchObject({ code: 'wechat_unavailable' });
    await settle(env.wx);
    expect(env.wx.calls.showModal[0].content).toBe('微信服务暂时不可用，请稍后再试');
  });

  test('a configured dev login code replaces wx.login (sandbox use in DevTools)', async () => {
    const env = setup();
    const { createClient } = require('../utils/api');
    const api = createClient({ wx: env.wx, config: Object.assign({}, env.config, { devLoginCode: 'dev-alice' }) });
    await api.listCollections();
    await api.login();
    expect(env.wx.calls.login).toBeUndefined();
    // The sandbox takes each code once, as WeChat does: every login gets its own nonce.
    const codes = loginRequests(env).map((r) => r.body.code);
    expect(codes).toHaveLength(2);
    codes.forEach((code) => expect(code).toMatch(/^dev-alice~[0-9a-z]+$/));
    expect(codes[0]).not.toBe(codes[1]);
  });

  test('wx.login failing is a Chinese error', async () => {
    const env = setup();
    env.script.wxLoginFails = true;
    await expect(env.api.listCollections({ quiet: true })).rejects.toMatchObject({ code: 'wx_login_failed', message: MESSAGES.wxLogin });
    expect(env.server.requests).toHaveLength(0);
  });
});

describe('api client: errors', () => {
  test.each([
    [422, { error: { code: 'student_not_found', message: '信息无法确认，请联系学校核实您的信息', details: {} } }, 'student_not_found', '信息无法确认，请联系学校核实您的信息', {}],
    [409, { error: { code: 'already_bound', message: '该学生信息已被其他微信账号绑定，请联系学校', details: {} } }, 'already_bound', '该学生信息已被其他微信账号绑定，请联系学校', {}],
    [429, { error: { code: 'too_many_attempts', message: '信息校验失败次数过多，请一小时后再试或联系学校核实信息', details: {} } }, 'too_many_attempts', '信息校验失败次数过多，请一小时后再试或联系学校核实信息', {}],
    // What a load balancer in front of the API may answer (not the API's shapes).
    [502, '<html>bad gateway</html>', 'http_502', MESSAGES.unavailable, { gateway: true }],
    [413, null, 'http_413', MESSAGES.tooLarge, { gateway: true }],
    [404, {}, 'http_404', '请求失败（404），请稍后再试', { gateway: true }],
  ])('%i with body %j → code %s, message shown as is in a modal', async (status, body, code, message, opts) => {
    const env = setup();
    env.server.respondOnce('POST', /^\/api\/v1\/collections$/, status, body, opts);
    const err = await env.api.createCollection({ school_id: 's_upc' }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status, code, message });
    await settle(env.wx);
    expect(env.wx.calls.showModal).toHaveLength(1);
    expect(env.wx.calls.showModal[0]).toMatchObject({ content: message, showCancel: false });
    expect(err.shown).toBe(true);
  });

  test('details are kept for the page', async () => {
    const env = setup();
    env.server.respondOnce('POST', /^\/api\/v1\/collections$/, 400, { error: { code: 'invalid_field', message: '请填写正确的11位手机号', details: { field: 'phone' } } });
    const err = await env.api.createCollection({}, { quiet: true }).catch((e) => e);
    expect(err.details).toEqual({ field: 'phone' });
  });

  test('quiet calls leave the message to the caller', async () => {
    const env = setup();
    env.server.respondOnce('GET', /^\/api\/v1\/collections\/c_9$/, 404, { error: { code: 'collection_not_found', message: '未找到该采集记录', details: {} } });
    await expect(env.api.getCollection('c_9', { quiet: true })).rejects.toMatchObject({ code: 'collection_not_found' });
    await settle(env.wx);
    expect(env.wx.calls.showModal).toBeUndefined();
  });
});

describe('api client: network loss', () => {
  test('retries a lost request with doubling delays and succeeds', async () => {
    const env = setup();
    await env.api.listCollections(); // log in first so only the list call is dropped
    env.script.dropTransfers = 2;
    await expect(env.api.listCollections()).resolves.toEqual([]);
    expect(env.sleeps).toEqual([500, 1000]);
    expect(env.wx.calls.request.filter((r) => r.url.endsWith('/api/v1/collections'))).toHaveLength(4);
  });

  test('gives up after the configured attempts with a network message', async () => {
    const env = setup();
    await env.api.listCollections();
    env.script.dropTransfers = 10;
    const err = await env.api.listCollections().catch((e) => e);
    expect(err).toMatchObject({ code: 'network_error', message: MESSAGES.network });
    expect(env.sleeps).toEqual([500, 1000, 2000]);
    expect(env.script.dropTransfers).toBe(6); // 1 try + 3 retries
    await settle(env.wx);
    expect(env.wx.calls.showModal[0].content).toBe(MESSAGES.network);
  });

  test('an HTTP error is not retried', async () => {
    const env = setup();
    env.server.respondOnce('GET', /^\/api\/v1\/info$/, 500, { error: { code: 'internal', message: '服务器繁忙，请稍后再试', details: {} } });
    await expect(env.api.getInfo()).rejects.toMatchObject({ code: 'internal' });
    expect(env.sleeps).toEqual([]);
  });
});

describe('api client: uploads and downloads', () => {
  test('uploads with the contract field name, bearer header and progress', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'confirmed' });
    const progress = [];
    const collection = await env.api.uploadCaptureCode(c.id, 'wxfile://tmp/code.png', { onProgress: (p) => progress.push(p) });
    expect(collection.capture_code.masked).toBe('XY12****7890');
    expect(progress).toEqual([40, 100]);
    const call = env.wx.calls.uploadFile[0];
    expect(call).toMatchObject({ name: 'image', filePath: 'wxfile://tmp/code.png', url: `http://127.0.0.1:8080/api/v1/collections/${c.id}/capture-code` });
    expect(call.header.Authorization).toBe('Bearer tok-1');
  });

  test('an upload answered 401 logs in again and uploads again', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'code_ok' });
    await env.api.listCollections();
    env.server.expireTokens();
    const res = await env.api.uploadPhoto(c.id, 'wxfile://tmp/good.jpg');
    expect(res.collection.status).toBe('photo_ok');
    expect(env.wx.calls.uploadFile.map((u) => u.header.Authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(env.wx.calls.uploadFile.map((u) => u.name)).toEqual(['photo', 'photo']);
  });

  test('a rejected photo keeps every check in details', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'code_ok' });
    const err = await env.api.uploadPhoto(c.id, 'wxfile://tmp/bad.jpg', { quiet: true }).catch((e) => e);
    expect(err).toMatchObject({ status: 422, code: 'photo_rejected', message: '照片不符合标准' });
    expect(err.details.checks).toHaveLength(5);
  });

  test('a lost upload is retried', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'code_ok' });
    await env.api.listCollections();
    env.script.dropTransfers = 1;
    await expect(env.api.uploadPhoto(c.id, 'wxfile://tmp/good.jpg')).resolves.toMatchObject({ collection: { status: 'photo_ok' } });
    expect(env.sleeps).toEqual([500]);
  });

  test('downloads the approved photo with the bearer header', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'approved' });
    await expect(env.api.downloadApprovedPhoto(c.id)).resolves.toBe(`wxfile://tmp/approved-${c.id}.jpg`);
    expect(env.wx.calls.downloadFile[0].header.Authorization).toBe('Bearer tok-1');
  });

  test('a refused download shows the error body the server wrote into the file', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'in_review' });
    const err = await env.api.downloadApprovedPhoto(c.id).catch((e) => e);
    expect(err).toMatchObject({ status: 404, code: 'photo_not_available', message: '照片审核通过后才能查看' });
  });
});

describe('api client: info', () => {
  test('fills missing info fields with the support defaults and caches the answer', async () => {
    const env = setup();
    env.server.info = { price_fen: 1500, support_phone: '', support_hours: '', instructions: ['a'], photo_rules: [], subscribe_template_ids: [] };
    const info = await env.api.getInfo();
    expect(info).toMatchObject({ price_fen: 1500, support_phone: '010-58691620', support_hours: '周二至周日 9:30-17:00', instructions: ['a'] });
    await env.api.getInfo();
    expect(env.server.requests.filter((r) => r.path === '/api/v1/info')).toHaveLength(1);
  });

  test('a failed info call is tried again next time', async () => {
    const env = setup();
    env.server.respondOnce('GET', /^\/api\/v1\/info$/, 503, {}, { gateway: true });
    await expect(env.api.getInfo()).rejects.toBeInstanceOf(ApiError);
    await expect(env.api.getInfo()).resolves.toMatchObject({ support_phone: '0532-86983000' });
  });
});

describe('shipped config', () => {
  test('has the support defaults and no dev login code', () => {
    const config = require('../utils/config');
    expect(config.support).toEqual({ phone: '010-58691620', hours: '周二至周日 9:30-17:00' });
    expect(config.devLoginCode).toBe('');
  });
});
