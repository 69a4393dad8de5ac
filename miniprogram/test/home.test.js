const { setup, openPage, tap, text, texts, lastNavigation } = require('./helpers/env');

describe('home page', () => {
  test('logs in, lists my collections with status in words and routes by status', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'code_ok' });
    const page = await openPage(env, '/pages/index/index');

    expect(env.wx.calls.login).toHaveLength(1);
    expect(texts(page, '.collection-status')).toEqual(['待上传照片']);
    expect(text(page, '.collection-school')).toBe('中国石油大学（华东）');

    await tap(env, page, '.collection-continue');
    expect(lastNavigation(env.wx)).toEqual({ kind: 'navigateTo', url: `/pages/photo/photo?id=${c.id}` });
  });
});
