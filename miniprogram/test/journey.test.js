// The student journey of architecture.md, page by page, following the URLs the pages
// navigate to, against the scripted server.
const { setup, openPage, tap, input, text, texts, lastNavigation, settle } = require('./helpers/env');

async function follow(env) {
  const nav = lastNavigation(env.wx);
  if (!nav) throw new Error('the page did not navigate');
  return openPage(env, nav.url);
}

function allText(page) {
  return page.dom.textContent.replace(/\s+/g, ' ');
}

describe('student journey', () => {
  test('login → school → level → verify → confirm → instructions → code → photo → pay → review → re-upload → approved', async () => {
    const env = setup();
    env.script.onPaid = () => env.server.markPaid('c_1');

    // 首页: no collections yet.
    let page = await openPage(env, '/pages/index/index');
    expect(text(page, '.empty')).toContain('还没有采集记录');
    await tap(env, page, '.start');

    // 学校搜索
    page = await follow(env);
    await input(env, page, '.search-input', '中国石油');
    await new Promise((r) => setTimeout(r, 40));
    await settle(env.wx);
    expect(texts(page, '.school-item')).toEqual(['中国石油大学（华东）（山东）', '中国石油大学（北京）（北京）']);
    await tap(env, page, '.school-item');

    // 选择层次
    page = await follow(env);
    expect(text(page, '.school-name')).toBe('中国石油大学（华东）');
    expect(texts(page, '.level-item')).toEqual(['本科', '专科']);
    await tap(env, page, '.level-item');

    // 信息校验
    page = await follow(env);
    await input(env, page, '.input-name', '张三');
    await input(env, page, '.input-student-no', '2019001');
    await input(env, page, '.input-phone', '13800000000');
    await tap(env, page, '.submit');
    const created = env.server.requests.find((r) => r.method === 'POST' && r.path === '/api/v1/collections');
    expect(created.body).toEqual({ school_id: 's_upc', level: '本科', name: '张三', student_no: '2019001', phone: '13800000000' });

    // 确认信息
    page = await follow(env);
    expect(text(page, '.info-name')).toBe('张三');
    expect(text(page, '.info-phone')).toBe('138****0000');
    expect(page.querySelector('.chsi-warning')).toBeFalsy();
    await tap(env, page, '.confirm');

    // 采集说明
    page = await follow(env);
    expect(texts(page, '.instruction')).toHaveLength(2);
    await tap(env, page, '.understood');

    // 上传采集码
    page = await follow(env);
    env.script.chosenFiles.push('wxfile://tmp/code.png');
    await tap(env, page, '.choose-media');
    await tap(env, page, '.upload');
    expect(text(page, '.code-masked')).toBe('XY12****7890');
    await tap(env, page, '.code-confirm');

    // 上传照片: first a photo that fails, then one that passes.
    page = await follow(env);
    expect(texts(page, '.photo-rule')).toContain('· 标准蓝色背景');
    env.script.chosenFiles.push('wxfile://tmp/bad.jpg', 'wxfile://tmp/good.jpg');
    await tap(env, page, '.choose-media');
    await tap(env, page, '.upload');
    expect(allText(page)).toContain('背景应为标准蓝色');
    await tap(env, page, '.choose-media');
    await tap(env, page, '.upload');
    expect(page.querySelector('.accepted')).toBeTruthy();
    await tap(env, page, '.next');

    // 支付
    page = await follow(env);
    expect(text(page, '.amount')).toBe('¥25.00');
    await tap(env, page, '.pay');
    expect(env.wx.calls.requestPayment).toHaveLength(1);

    // 审核状态: pending, then rejected.
    page = await follow(env);
    expect(text(page, '.review-state')).toBe('审核中');
    env.server.decide('c_1', 'reject', ['头发不遮挡眉毛和眼睛']);
    await tap(env, page, '.refresh');
    expect(text(page, '.review-state')).toBe('审核失败');
    await tap(env, page, '.reupload');

    // 重新上传: straight back to review, no second order.
    page = await follow(env);
    expect(text(page, '.reupload-notice')).toContain('头发不遮挡眉毛和眼睛');
    env.script.chosenFiles.push('wxfile://tmp/good2.jpg');
    await tap(env, page, '.choose-media');
    await tap(env, page, '.upload');
    await tap(env, page, '.next');
    expect(lastNavigation(env.wx).url).toBe('/pages/review/review?id=c_1');
    expect(env.server.requests.filter((r) => r.path === '/api/v1/collections/c_1/order')).toHaveLength(1);

    page = await follow(env);
    expect(text(page, '.review-state')).toBe('审核中');
    env.server.decide('c_1', 'approve');
    await tap(env, page, '.refresh');
    expect(text(page, '.review-state')).toBe('审核成功');
    await tap(env, page, '.view-photo');
    expect(env.wx.calls.previewImage.pop().urls).toEqual(['wxfile://tmp/approved-c_1.jpg']);

    // Every request after login carried the session token.
    env.server.requests
      .filter((r) => r.path !== '/api/v1/auth/wechat-login')
      .forEach((r) => expect(r.header.Authorization).toMatch(/^Bearer tok-/));
    expect(env.wx.calls.showModal || []).toHaveLength(0);
  }, 30000); // the whole journey: slow on a loaded machine, not a hang
});
