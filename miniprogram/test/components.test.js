const { setup, openComponent, openPage, tap, text, texts, settle } = require('./helpers/env');
const { failingChecks, passingChecks } = require('./helpers/fake-server');

const FOOTER_CASES = [
  ['/pages/index/index', 'code_ok'],
  ['/pages/school/school', 'code_ok'],
  ['/pages/level/level?school_id=s_upc&school_name=x&levels=%E6%9C%AC%E7%A7%91', 'code_ok'],
  ['/pages/verify/verify?school_id=s_upc&school_name=x&level=%E6%9C%AC%E7%A7%91', 'code_ok'],
  ['/pages/confirm/confirm?id=c_1', 'unconfirmed'],
  ['/pages/instructions/instructions?id=c_1', 'confirmed'],
  ['/pages/capture/capture?id=c_1', 'confirmed'],
  ['/pages/photo/photo?id=c_1', 'code_ok'],
  ['/pages/pay/pay?id=c_1', 'photo_ok'],
  ['/pages/review/review?id=c_1', 'in_review'],
  ['/pages/privacy/privacy', 'code_ok'],
];

describe('support-footer', () => {
  test('shows the phone and hours from /api/v1/info and calls the number on tap', async () => {
    const env = setup();
    const footer = await openComponent(env, '/components/support-footer/support-footer');
    expect(text(footer, '.footer-phone')).toBe('客服电话：0532-86983000');
    expect(text(footer, '.footer-hours')).toBe('服务时间：周一至周五 8:00-17:30');
    await tap(env, footer, '.footer-phone');
    expect(env.wx.calls.makePhoneCall[0].phoneNumber).toBe('0532-86983000');
  });

  test('keeps the defaults 010-58691620 / 周二至周日 9:30-17:00 when info fails, without a modal', async () => {
    const env = setup();
    env.server.respondOnce('GET', /^\/api\/v1\/info$/, 500, { error: { code: 'internal', message: '服务器繁忙，请稍后再试', details: {} } });
    const footer = await openComponent(env, '/components/support-footer/support-footer');
    expect(text(footer, '.footer-phone')).toBe('客服电话：010-58691620');
    expect(text(footer, '.footer-hours')).toBe('服务时间：周二至周日 9:30-17:00');
    expect(env.wx.calls.showModal).toBeUndefined();
  });

  test.each(FOOTER_CASES)('is on %s', async (url, status) => {
    const env = setup();
    env.server.addCollection({ owner: 'sandbox-student', status });
    const page = await openPage(env, url);
    expect(env.wx.navigations).toEqual([]);
    expect(page.dom.textContent).toContain('客服电话：0532-86983000');
    expect(page.dom.textContent).toContain('服务时间：周一至周五 8:00-17:30');
  });

  test('every page in app.json is covered above', () => {
    const pages = require('../app.json').pages.map((p) => `/${p}`);
    expect(FOOTER_CASES.map(([url]) => url.split('?')[0]).sort()).toEqual(pages.sort());
  });
});

describe('check-list', () => {
  test('lists every failed check, errors first, tagged in words, messages only (no measurements)', async () => {
    const env = setup();
    const list = await openComponent(env, '/components/check-list/check-list', { checks: failingChecks(), title: '未通过' });
    expect(texts(list, '.check-message')).toEqual(['背景应为标准蓝色', '眼睛位置应在照片上方200-300像素之间', '图像不够清晰', '嘴唇应自然闭合，不露齿']);
    expect(texts(list, '.check-tag')).toEqual(['不合格', '不合格', '不合格', '提醒']);
    expect(list.querySelector('.check-numbers')).toBeFalsy();
    expect(list.dom.textContent).not.toMatch(/检测值|要求 ≥|0\.41|0\.90/);
  });

  test('updates when the checks change and shows nothing when all passed', async () => {
    const env = setup();
    const list = await openComponent(env, '/components/check-list/check-list', { checks: passingChecks() });
    expect(texts(list, '.check-message')).toEqual(['照片疑似经过美颜或修图软件处理']);
    list.setData({ checks: passingChecks().map((c) => Object.assign({}, c, { passed: true })) });
    await settle(env.wx);
    expect(list.querySelector('.checks')).toBeFalsy();
  });
});
