// Each page rendered with miniprogram-simulate against the scripted server.
const { setup, openPage, tap, input, text, texts, lastNavigation, settle } = require('./helpers/env');

function allText(page) {
  return page.dom.textContent.replace(/\s+/g, ' ');
}

function wait(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

describe('首页', () => {
  test.each([
    ['unconfirmed', null, '待确认信息', '/pages/confirm/confirm'],
    ['confirmed', null, '待上传采集码', '/pages/instructions/instructions'],
    ['code_ok', null, '待上传照片', '/pages/photo/photo'],
    ['photo_ok', null, '待支付', '/pages/pay/pay'],
    ['photo_ok', 'paid', '支付确认中', '/pages/review/review'],
    ['in_review', 'paid', '审核中', '/pages/review/review'],
    ['rejected', 'paid', '审核失败', '/pages/review/review'],
    ['approved', 'paid', '审核成功', '/pages/review/review'],
    ['exported', 'paid', '审核成功（学校整理报送中）', '/pages/review/review'],
    ['submitted', 'paid', '已报送学信网', '/pages/review/review'],
    ['chsi_accepted', 'paid', '学信网已接收', '/pages/review/review'],
  ])('status %s (order %s) reads "%s" and continues on %s', async (status, orderStatus, label, target) => {
    const env = setup();
    const order = orderStatus ? { out_trade_no: 'GP1', amount_fen: 2000, status: orderStatus } : null;
    const c = env.server.addCollection({ owner: 'sandbox-student', status, order });
    const page = await openPage(env, '/pages/index/index');
    expect(text(page, '.collection-status')).toBe(label);
    await tap(env, page, '.collection-continue');
    expect(lastNavigation(env.wx)).toEqual({ kind: 'navigateTo', url: `${target}?id=${c.id}` });
  });

  test('shows the error in the page when the list cannot be loaded', async () => {
    const env = setup();
    env.server.respondOnce('GET', /^\/api\/v1\/collections$/, 500, { error: { code: 'internal', message: '服务器繁忙，请稍后再试', details: {} } });
    const page = await openPage(env, '/pages/index/index');
    expect(text(page, '.home-error')).toBe('错误：服务器繁忙，请稍后再试');
  });

  test('pull-down refresh reloads and stops the spinner', async () => {
    const env = setup();
    const page = await openPage(env, '/pages/index/index');
    env.server.addCollection({ owner: 'sandbox-student', status: 'in_review' });
    await page.instance.onPullDownRefresh();
    await settle(env.wx);
    expect(texts(page, '.collection-status')).toEqual(['审核中']);
    expect(env.wx.calls.stopPullDownRefresh).toHaveLength(1);
  });
});

describe('学校搜索', () => {
  test('debounces typing into one search and ignores stale answers', async () => {
    const env = setup();
    // Longer than three inputs take even on a busy machine, so only the last one searches.
    env.config.searchDebounceMs = 400;
    const page = await openPage(env, '/pages/school/school');
    await input(env, page, '.search-input', '中');
    await input(env, page, '.search-input', '中国');
    await input(env, page, '.search-input', '北京');
    await wait(450);
    await settle(env.wx);
    const searches = env.server.requests.filter((r) => r.path === '/api/v1/schools');
    expect(searches.map((r) => r.query.q)).toEqual(['北京']);
    expect(texts(page, '.school-item')).toEqual(['中国石油大学（北京）（北京）', '北京大学（北京）']);
  });

  test('says so when nothing matches', async () => {
    const env = setup();
    const page = await openPage(env, '/pages/school/school');
    await input(env, page, '.search-input', '不存在大学');
    await wait(40);
    await settle(env.wx);
    expect(text(page, '.no-result')).toContain('没有找到“不存在大学”');
  });

  test('choosing a school passes its levels to the level page', async () => {
    const env = setup();
    const page = await openPage(env, '/pages/school/school');
    await input(env, page, '.search-input', '华东');
    await wait(40);
    await settle(env.wx);
    await tap(env, page, '.school-item');
    const url = lastNavigation(env.wx).url;
    expect(url.startsWith('/pages/level/level?')).toBe(true);
    expect(decodeURIComponent(url)).toContain('school_id=s_upc&school_name=中国石油大学（华东）&levels=本科,专科');
  });
});

describe('选择层次', () => {
  test('offers only the school levels', async () => {
    const env = setup();
    const page = await openPage(env, `/pages/level/level?school_id=s_upcb&school_name=${encodeURIComponent('中国石油大学（北京）')}&levels=${encodeURIComponent('本科')}`);
    expect(texts(page, '.level-item')).toEqual(['本科']);
    await tap(env, page, '.level-item');
    expect(decodeURIComponent(lastNavigation(env.wx).url)).toBe('/pages/verify/verify?school_id=s_upcb&school_name=中国石油大学（北京）&level=本科');
  });

  test('shows the school\'s price before anything is uploaded, and the 学籍超期 notice', async () => {
    const env = setup();
    env.server.prices.s_upc = 2500;
    const page = await openPage(env, `/pages/level/level?school_id=s_upc&school_name=x&levels=${encodeURIComponent('本科,专科')}`);
    expect(text(page, '.price-text')).toBe('¥25.00');
    const info = env.server.requests.filter((r) => r.path === '/api/v1/info');
    expect(info.filter((r) => r.query.school_id).map((r) => r.query.school_id)).toEqual(['s_upc']);
    expect(text(page, '.overdue-notice')).toContain('学籍超期的同学请自行决定');
  });

  test('without a price (the school unknown to the server) the levels are still offered, silently', async () => {
    const env = setup();
    const page = await openPage(env, `/pages/level/level?school_id=s_gone&school_name=x&levels=${encodeURIComponent('本科')}`);
    expect(page.querySelector('.price-text')).toBeFalsy();
    expect(env.wx.calls.showModal || []).toHaveLength(0);
    expect(texts(page, '.level-item')).toEqual(['本科']);
  });
});

describe('信息校验', () => {
  const url = `/pages/verify/verify?school_id=s_upc&school_name=x&level=${encodeURIComponent('本科')}`;

  async function fill(env, page, name, no, phone) {
    if (name) await input(env, page, '.input-name', name);
    if (no) await input(env, page, '.input-student-no', no);
    if (phone) await input(env, page, '.input-phone', phone);
  }

  test.each([
    ['', '2019001', '13800000000', '请输入姓名'],
    ['张三', '', '13800000000', '请输入学号'],
    ['张三', '2019001', '', '请输入11位手机号，或使用微信手机号'],
    ['张三', '2019001', '1380000', '请输入11位手机号，或使用微信手机号'],
  ])('name %j no %j phone %j is refused locally: %s', async (name, no, phone, problem) => {
    const env = setup();
    const page = await openPage(env, url);
    await fill(env, page, name, no, phone);
    await tap(env, page, '.submit');
    expect(text(page, '.form-error')).toBe(`错误：${problem}`);
    expect(env.server.requests.filter((r) => r.path === '/api/v1/collections')).toHaveLength(0);
  });

  test('the getPhoneNumber code replaces the typed phone', async () => {
    const env = setup();
    const page = await openPage(env, url);
    await fill(env, page, '张三', '2019001');
    page.querySelector('.phone-button').dispatchEvent('getphonenumber', { detail: { code: 'phone-13800000000' } });
    await settle(env.wx);
    expect(text(page, '.phone-authorised')).toContain('已授权微信手机号');
    await tap(env, page, '.submit');
    const req = env.server.requests.find((r) => r.path === '/api/v1/collections');
    expect(req.body).toEqual({ school_id: 's_upc', level: '本科', name: '张三', student_no: '2019001', phone_code: 'phone-13800000000' });
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: '/pages/confirm/confirm?id=c_1' });
  });

  test('a refused phone authorisation leaves the form as it was', async () => {
    const env = setup();
    const page = await openPage(env, url);
    page.querySelector('.phone-button').dispatchEvent('getphonenumber', { detail: { errMsg: 'getPhoneNumber:fail user deny' } });
    await settle(env.wx);
    expect(page.querySelector('.phone-authorised')).toBeFalsy();
  });

  test('student_not_found shows "信息无法确认" and the school contact advice in the page', async () => {
    const env = setup();
    const page = await openPage(env, url);
    await fill(env, page, '王五', '2019999', '13700000000');
    await tap(env, page, '.submit');
    expect(text(page, '.not-found-message')).toBe('信息无法确认，请联系学校核实您的信息');
    expect(text(page, '.not-found')).toContain('请联系学校毕业生信息管理部门核实');
    expect(env.wx.calls.showModal).toBeUndefined();
    expect(lastNavigation(env.wx)).toBeNull();
  });

  test('already_bound is shown as the server wrote it', async () => {
    const env = setup();
    env.server.addCollection({ owner: 'sandbox-someone-else' });
    const page = await openPage(env, url);
    await fill(env, page, '张三', '2019001', '13800000000');
    await tap(env, page, '.submit');
    expect(env.wx.calls.showModal[0].content).toBe('该学生信息已被其他微信账号绑定，请联系学校');
  });
});

describe('确认信息', () => {
  test('shows the matched information and confirms', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student' });
    const page = await openPage(env, `/pages/confirm/confirm?id=${c.id}`);
    expect([text(page, '.info-school'), text(page, '.info-level'), text(page, '.info-student-no')]).toEqual(['中国石油大学（华东）', '本科', '2019001']);
    await tap(env, page, '.confirm');
    expect(env.server.requests.some((r) => r.method === 'POST' && r.path === `/api/v1/collections/${c.id}/confirm`)).toBe(true);
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/instructions/instructions?id=${c.id}` });
  });

  test('warns before payment when the roster says 学信网 already has a photo', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', already_has_chsi_photo: true });
    const page = await openPage(env, `/pages/confirm/confirm?id=${c.id}`);
    expect(text(page, '.chsi-warning')).toContain('学信网已有学历照片');
    expect(text(page, '.chsi-warning')).toMatch(/^注意/);
  });

  test('a refused confirm (409 wrong_step) shows the message in a modal and stays', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student' });
    const message = '当前步骤不能进行此操作，请返回查看采集进度';
    env.server.respondOnce('POST', /\/confirm$/, 409, { error: { code: 'wrong_step', message, details: {} } });
    const page = await openPage(env, `/pages/confirm/confirm?id=${c.id}`);
    await tap(env, page, '.confirm');
    expect(env.wx.calls.showModal[0].content).toBe(message);
    expect(lastNavigation(env.wx)).toBeNull();
  });

  test('an already confirmed collection goes on without confirming twice', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'confirmed' });
    const page = await openPage(env, `/pages/confirm/confirm?id=${c.id}`);
    await tap(env, page, '.confirm');
    expect(env.server.requests.some((r) => r.path.endsWith('/confirm'))).toBe(false);
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/instructions/instructions?id=${c.id}` });
  });

  test('信息有误 goes back', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student' });
    const page = await openPage(env, `/pages/confirm/confirm?id=${c.id}`);
    await tap(env, page, '.back');
    expect(env.wx.calls.navigateBack).toHaveLength(1);
  });
});

describe('采集说明', () => {
  test('shows the instructions and rules from /info and 我知道了 goes to the code upload', async () => {
    const env = setup();
    const page = await openPage(env, '/pages/instructions/instructions?id=c_7');
    expect(texts(page, '.instruction')).toEqual(['1. 请在学信网App中打开图像采集码并截图', '2. 照片须为近半年内的正面免冠彩色照片']);
    expect(texts(page, '.photo-rule')).toHaveLength(4);
    const notices = texts(page, '.guide-notice').join('\n');
    expect(notices).toContain('本人手机、本人微信');
    expect(notices).toContain('不支持在电脑或平板');
    expect(notices).toContain('录取照片、身份证照片');
    expect(notices).toContain('学籍超期');
    expect(notices).toContain('仅解答采集操作等技术问题');
    await tap(env, page, '.understood');
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: '/pages/capture/capture?id=c_7' });
  });
});

describe('上传采集码', () => {
  test('uploads a chat screenshot with progress, shows the masked code and asks to confirm', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'confirmed' });
    const page = await openPage(env, `/pages/capture/capture?id=${c.id}`);
    env.script.chosenFiles.push('wxfile://tmp/chat-shot.png');
    await tap(env, page, '.choose-message');
    expect(page.querySelector('.capture-preview')).toBeTruthy();
    const progress = [];
    const setData = page.instance.setData.bind(page.instance);
    page.instance.setData = (d, cb) => {
      if ('progress' in d) progress.push(d.progress);
      return setData(d, cb);
    };
    await tap(env, page, '.upload');
    expect(progress).toEqual([0, 40, 100]);
    expect(env.wx.calls.uploadFile[0]).toMatchObject({ name: 'image', filePath: 'wxfile://tmp/chat-shot.png' });
    expect(text(page, '.code-masked')).toBe('XY12****7890');
    await tap(env, page, '.code-confirm');
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/photo/photo?id=${c.id}` });
  });

  test('qr_not_found stays in the page; 不一致 lets the student upload again', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'confirmed' });
    const page = await openPage(env, `/pages/capture/capture?id=${c.id}`);
    env.script.chosenFiles.push('wxfile://tmp/noqr.png', 'wxfile://tmp/code.png');
    await tap(env, page, '.choose-media');
    await tap(env, page, '.upload');
    expect(text(page, '.upload-error')).toBe('错误：未识别到采集码，请上传完整清晰的采集码截图');
    expect(env.wx.calls.showModal).toBeUndefined();
    await tap(env, page, '.choose-media');
    await tap(env, page, '.upload');
    await tap(env, page, '.code-retry');
    expect(page.querySelector('.code-result')).toBeFalsy();
    expect(page.querySelector('.upload')).toBeTruthy();
  });

  test('a cancelled picker changes nothing', async () => {
    const env = setup();
    const page = await openPage(env, '/pages/capture/capture?id=c_1');
    await tap(env, page, '.choose-media');
    expect(page.querySelector('.capture-preview')).toBeFalsy();
    expect(env.wx.calls.chooseMedia[0]).toMatchObject({ count: 1, mediaType: ['image'] });
  });
});

async function pickAndUpload(env, page, file) {
  env.script.chosenFiles.push(file);
  await tap(env, page, '.choose-media');
  await tap(env, page, '.upload');
}

describe('上传照片', () => {
  test('shows the photo rules next to the picker', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'code_ok' });
    const page = await openPage(env, `/pages/photo/photo?id=${c.id}`);
    expect(texts(page, '.photo-rule')).toEqual(['· 格式为jpg', '· 照片文件大于30K', '· 宽高比3:4', '· 标准蓝色背景']);
  });

  test('a rejected photo lists EVERY failed check message, errors and warnings', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'code_ok' });
    const page = await openPage(env, `/pages/photo/photo?id=${c.id}`);
    await pickAndUpload(env, page, 'wxfile://tmp/bad.jpg');
    expect(text(page, '.rejected-title')).toBe('不合格：照片不符合标准');
    const shown = allText(page);
    ['背景应为标准蓝色', '眼睛位置应在照片上方200-300像素之间', '图像不够清晰', '嘴唇应自然闭合，不露齿'].forEach((m) => expect(shown).toContain(m));
    // Exactly the failed ones, none of the passed: read from the check-list inside the page.
    const list = page.querySelector('.rejected-checks');
    expect(texts(list, '.check-message')).toEqual(['背景应为标准蓝色', '眼睛位置应在照片上方200-300像素之间', '图像不够清晰', '嘴唇应自然闭合，不露齿']);
    expect(shown).not.toContain('检测值'); // the student reads messages, not measurements
    expect(env.wx.calls.uploadFile[0].name).toBe('photo');
    expect(page.querySelector('.next')).toBeFalsy();
  });

  test('an accepted photo shows its warnings and goes on to payment', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'code_ok' });
    const page = await openPage(env, `/pages/photo/photo?id=${c.id}`);
    await pickAndUpload(env, page, 'wxfile://tmp/good.jpg');
    expect(text(page, '.accepted')).toContain('已通过自动检测');
    expect(allText(page)).toContain('照片疑似经过美颜或修图软件处理');
    expect(text(page, '.next')).toBe('使用此照片，下一步：支付');
    await tap(env, page, '.next');
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/pay/pay?id=${c.id}` });
  });

  test('after a review rejection it shows the reasons and returns to review without paying again', async () => {
    const env = setup();
    const c = env.server.addCollection({
      owner: 'sandbox-student',
      status: 'rejected',
      order: { out_trade_no: 'GP1', amount_fen: 2000, status: 'paid' },
      review: { status: 'rejected', reasons: ['双耳外露', '不戴耳环项链等饰品'], decided_at: '2026-06-02T10:00:00+08:00' },
    });
    const page = await openPage(env, `/pages/photo/photo?id=${c.id}`);
    expect(texts(page, '.review-reason')).toEqual(['· 双耳外露', '· 不戴耳环项链等饰品']);
    expect(text(page, '.reupload-notice')).toContain('无需再次支付');
    await pickAndUpload(env, page, 'wxfile://tmp/good.jpg');
    expect(text(page, '.next')).toBe('使用此照片，提交审核');
    await tap(env, page, '.next');
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/review/review?id=${c.id}` });
    expect(env.server.requests.some((r) => r.path.endsWith('/order'))).toBe(false);
  });

  test('an accepted photo is shown as the standard photo, with 重新选择 and 使用此照片', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'code_ok' });
    const page = await openPage(env, `/pages/photo/photo?id=${c.id}`);
    await pickAndUpload(env, page, 'wxfile://tmp/good.jpg');
    const dl = env.wx.calls.downloadFile[0];
    expect(dl.url).toBe(`http://127.0.0.1:8080/api/v1/collections/${c.id}/photo/standard`);
    expect(dl.header.Authorization).toMatch(/^Bearer /);
    expect(page.querySelector('.standard-photo')).toBeTruthy();
    expect(page.instance.data.standardPath).toBe(`wxfile://tmp/standard-${c.id}.jpg`);
    expect(page.querySelector('.photo-preview')).toBeFalsy(); // the upload as picked is not what is shown
    await tap(env, page, '.standard-photo');
    expect(env.wx.calls.previewImage[0].urls).toEqual([`wxfile://tmp/standard-${c.id}.jpg`]);
    // 重新选择 goes back to the picker, without the standard photo.
    await tap(env, page, '.change');
    expect(page.querySelector('.standard-photo')).toBeFalsy();
    expect(page.querySelector('.choose-media')).toBeTruthy();
    // A second accepted upload, then 使用此照片 goes on to payment.
    await pickAndUpload(env, page, 'wxfile://tmp/good2.jpg');
    expect(page.querySelector('.standard-photo')).toBeTruthy();
    await tap(env, page, '.next');
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/pay/pay?id=${c.id}` });
  });

  test('an error other than photo_rejected is shown in a modal', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'code_ok' });
    env.server.respondOnce('POST', /\/photo$/, 413, { error: { code: 'file_too_large', message: '照片文件不能超过10MB', details: {} } });
    const page = await openPage(env, `/pages/photo/photo?id=${c.id}`);
    await pickAndUpload(env, page, 'wxfile://tmp/huge.jpg');
    expect(env.wx.calls.showModal[0].content).toBe('照片文件不能超过10MB');
  });
});

describe('注意事项 where they apply', () => {
  test('信息校验: own phone and WeChat only; the phone is a contact number', async () => {
    const env = setup();
    const page = await openPage(env, `/pages/verify/verify?school_id=s_upc&school_name=x&level=${encodeURIComponent('本科')}`);
    expect(text(page, '.own-device')).toContain('不支持在电脑或平板上操作');
    expect(text(page, '.phone-contact')).toContain('联系您');
  });

  test('上传照片: 学信网 compares with the admission and ID photos', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'code_ok' });
    const page = await openPage(env, `/pages/photo/photo?id=${c.id}`);
    expect(text(page, '.chsi-compare')).toContain('录取照片、身份证照片');
    expect(text(page, '.chsi-compare')).toContain('影响学历注册');
  });

  test('every page: the hotline answers technical questions only', async () => {
    const env = setup();
    const page = await openPage(env, '/pages/index/index');
    expect(allText(page)).toContain('客服电话仅解答采集操作等技术问题');
  });
});

describe('支付', () => {
  async function payPage(env, fields = {}) {
    const c = env.server.addCollection(Object.assign({ owner: 'sandbox-student', status: 'photo_ok' }, fields));
    const page = await openPage(env, `/pages/pay/pay?id=${c.id}`);
    return { c, page };
  }

  test('creates the order and hands pay_params to wx.requestPayment as they are; success goes to review', async () => {
    const env = setup();
    const { c, page } = await payPage(env);
    // The school's own price (GET /info?school_id=), not the "from" price of /info.
    expect(text(page, '.amount')).toBe('¥25.00');
    expect(env.server.requests.find((r) => r.path === '/api/v1/info' && r.query.school_id === 's_upc')).toBeTruthy();
    await tap(env, page, '.pay');
    const call = env.wx.calls.requestPayment[0];
    expect(call).toMatchObject({ timeStamp: '1780000000', nonceStr: 'n0nce', package: `prepay_id=wx_${c.id}`, signType: 'RSA', paySign: 'c2lnbg==' });
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/review/review?id=${c.id}` });
  });

  test('a cancel ("requestPayment:fail cancel") stays on the page and says so; paying again works', async () => {
    const env = setup();
    env.script.paymentOutcomes.push('cancel', 'success');
    const { c, page } = await payPage(env);
    await tap(env, page, '.pay');
    expect(text(page, '.pay-state')).toBe('提示：您已取消支付，订单未支付，可随时重新支付。');
    expect(env.wx.calls.showToast[0].title).toBe('已取消支付');
    expect(lastNavigation(env.wx)).toBeNull();
    await tap(env, page, '.pay');
    expect(env.wx.calls.requestPayment).toHaveLength(2);
    expect(lastNavigation(env.wx).url).toBe(`/pages/review/review?id=${c.id}`);
  });

  test('another payment failure is explained in a modal', async () => {
    const env = setup();
    env.script.paymentOutcomes.push('system error');
    const { page } = await payPage(env);
    await tap(env, page, '.pay');
    expect(env.wx.calls.showModal[0].title).toBe('支付未完成');
    expect(text(page, '.pay-state')).toBe('提示：支付未完成，请稍后重试。');
  });

  test('an order the server reports as paid goes to review without wx.requestPayment', async () => {
    const env = setup();
    const { c, page } = await payPage(env);
    env.server.respondOnce('POST', /\/order$/, 200, {
      order: { out_trade_no: 'GP1', amount_fen: 2000, status: 'paid' },
      pay_params: { timeStamp: '1', nonceStr: 'n', package: 'prepay_id=x', signType: 'RSA', paySign: 's' },
    });
    await tap(env, page, '.pay');
    expect(env.wx.calls.requestPayment).toBeUndefined();
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/review/review?id=${c.id}` });
  });

  test('repeats the 学信网 duplicate warning before paying', async () => {
    const env = setup();
    const { page } = await payPage(env, { already_has_chsi_photo: true });
    expect(text(page, '.chsi-warning')).toContain('支付的费用不予退还');
  });

  test('an order refused by the server shows its message', async () => {
    const env = setup();
    env.server.respondOnce('POST', /\/order$/, 503, { error: { code: 'payment_unavailable', message: '微信支付暂时不可用，请稍后再试', details: {} } });
    const { page } = await payPage(env);
    await tap(env, page, '.pay');
    expect(env.wx.calls.showModal[0].content).toBe('微信支付暂时不可用，请稍后再试');
    expect(env.wx.calls.requestPayment).toBeUndefined();
  });

  test('already_paid (paid, not yet notified) leads to the review status, not an error', async () => {
    const env = setup();
    env.server.respondOnce('POST', /\/order$/, 409, { error: { code: 'already_paid', message: '该采集已完成支付，无需重复支付', details: {} } });
    const { c, page } = await payPage(env);
    await tap(env, page, '.pay');
    expect(env.wx.calls.showModal).toBeUndefined();
    expect(env.wx.calls.requestPayment).toBeUndefined();
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/review/review?id=${c.id}` });
  });

  test('学信网 notice: confirming the modal sends the order with ack_chsi_photo', async () => {
    const env = setup();
    const notice = '学校名单显示您在学信网已有学历照片，费用不予退还。';
    const { c, page } = await payPage(env, { already_has_chsi_photo: true, notice });
    expect(text(page, '.chsi-warning')).toBe(`注意：${notice}`);
    env.script.modalAnswers.push(true);
    await tap(env, page, '.pay');
    const modal = env.wx.calls.showModal[0];
    expect(modal).toMatchObject({ content: notice, confirmText: '继续支付', cancelText: '暂不支付' });
    // WeChat cuts modal button texts to 4 characters.
    expect(modal.confirmText.length).toBeLessThanOrEqual(4);
    const orders = env.server.requests.filter((r) => r.path.endsWith('/order'));
    expect(orders.map((r) => r.body)).toEqual([{ ack_chsi_photo: true }]);
    expect(env.wx.calls.requestPayment).toHaveLength(1);
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/review/review?id=${c.id}` });
  });

  test('学信网 notice: 暂不支付 sends no order and the button works again', async () => {
    const env = setup();
    const { page } = await payPage(env, { already_has_chsi_photo: true });
    env.script.modalAnswers.push(false);
    await tap(env, page, '.pay');
    expect(env.wx.calls.showModal[0].content).toContain('支付的费用不予退还');
    expect(env.server.requests.some((r) => r.path.endsWith('/order'))).toBe(false);
    expect(env.wx.calls.requestPayment).toBeUndefined();
    expect(page.instance.data.paying).toBe(false);
    expect(lastNavigation(env.wx)).toBeNull();
  });

  test('without the flag no notice is shown and the order has no ack', async () => {
    const env = setup();
    const { page } = await payPage(env);
    await tap(env, page, '.pay');
    expect(env.wx.calls.showModal).toBeUndefined();
    expect(env.server.requests.find((r) => r.path.endsWith('/order')).body).toBeUndefined();
  });

  test('a 409 already_has_chsi_photo (roster changed) shows the notice on the next tap', async () => {
    const env = setup();
    const { c, page } = await payPage(env);
    env.server.collections.get(c.id).c.already_has_chsi_photo = true;
    await tap(env, page, '.pay');
    expect(env.wx.calls.showModal[0].content).toContain('学信网已有学历照片');
    expect(env.wx.calls.requestPayment).toBeUndefined();
    env.script.modalAnswers.push(true);
    await tap(env, page, '.pay');
    expect(env.wx.calls.showModal[1]).toMatchObject({ confirmText: '继续支付' });
    expect(env.server.requests.filter((r) => r.path.endsWith('/order')).map((r) => r.body)).toEqual([undefined, { ack_chsi_photo: true }]);
    expect(env.wx.calls.requestPayment).toHaveLength(1);
  });

  describe.each([
    ['accepts one template', { tmpl_approved: 'accept', tmpl_rejected: 'reject' }, ['tmpl_approved']],
    ['accepts both', { tmpl_approved: 'accept', tmpl_rejected: 'accept' }, ['tmpl_approved', 'tmpl_rejected']],
    ['rejects every template', { tmpl_approved: 'reject', tmpl_rejected: 'reject' }, null],
    ['panel fails', 'fail', null],
  ])('subscription: the student %s', (_, answer, accepted) => {
    test(`asks for the templates before the order and records the accepted ids: ${accepted}`, async () => {
      const env = setup();
      env.server.info.subscribe_template_ids = ['tmpl_approved', 'tmpl_rejected'];
      env.script.subscribeAnswer = answer;
      const { c, page } = await payPage(env);
      await tap(env, page, '.pay');
      expect(env.wx.calls.requestSubscribeMessage).toHaveLength(1);
      expect(env.wx.calls.requestSubscribeMessage[0].tmplIds).toEqual(['tmpl_approved', 'tmpl_rejected']);
      const posts = env.server.requests.filter((r) => r.method === 'POST' && r.path.startsWith(`/api/v1/collections/${c.id}/`));
      if (accepted) {
        expect(posts.map((r) => r.path)).toEqual([`/api/v1/collections/${c.id}/subscribe`, `/api/v1/collections/${c.id}/order`]);
        expect(posts[0].body).toEqual({ accepted });
      } else {
        // Nothing accepted: nothing to record, WeChat would refuse every message anyway.
        expect(posts.map((r) => r.path)).toEqual([`/api/v1/collections/${c.id}/order`]);
      }
      expect(env.wx.calls.requestPayment).toHaveLength(1);
    });
  });

  test('subscription: no templates, no panel and no subscribe request', async () => {
    const env = setup();
    const { page } = await payPage(env);
    await tap(env, page, '.pay');
    expect(env.wx.calls.requestSubscribeMessage).toBeUndefined();
    expect(env.server.requests.some((r) => r.path.endsWith('/subscribe'))).toBe(false);
    expect(env.wx.calls.requestPayment).toHaveLength(1);
  });

  test('subscription: a failing subscribe request neither shows an error nor blocks payment', async () => {
    const env = setup();
    env.server.info.subscribe_template_ids = ['tmpl_approved'];
    env.server.respondOnce('POST', /\/subscribe$/, 500, { error: { code: 'internal', message: '服务暂时不可用', details: {} } });
    const { c, page } = await payPage(env);
    await tap(env, page, '.pay');
    expect(env.server.requests.some((r) => r.path.endsWith('/subscribe'))).toBe(true);
    expect(env.wx.calls.showModal).toBeUndefined();
    expect(env.wx.calls.requestPayment).toHaveLength(1);
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/review/review?id=${c.id}` });
  });

  test('subscription: with the 学信网 notice it is asked after the confirm, and not after 暂不支付', async () => {
    const env = setup();
    env.server.info.subscribe_template_ids = ['tmpl_approved'];
    const { page } = await payPage(env, { already_has_chsi_photo: true });
    env.script.modalAnswers.push(false, true);
    await tap(env, page, '.pay');
    expect(env.wx.calls.requestSubscribeMessage).toBeUndefined();
    await tap(env, page, '.pay');
    expect(env.wx.calls.requestSubscribeMessage).toHaveLength(1);
    expect(env.server.requests.find((r) => r.path.endsWith('/subscribe')).body).toEqual({ accepted: ['tmpl_approved'] });
    expect(env.server.requests.find((r) => r.path.endsWith('/order')).body).toEqual({ ack_chsi_photo: true });
  });

  test('subscription: asked once per visit, not again when paying again after a cancel', async () => {
    const env = setup();
    env.server.info.subscribe_template_ids = ['tmpl_approved'];
    env.script.paymentOutcomes.push('cancel', 'success');
    const { page } = await payPage(env);
    await tap(env, page, '.pay');
    await tap(env, page, '.pay');
    expect(env.wx.calls.requestPayment).toHaveLength(2);
    expect(env.wx.calls.requestSubscribeMessage).toHaveLength(1);
    expect(env.server.requests.filter((r) => r.path.endsWith('/subscribe'))).toHaveLength(1);
  });

  test('a refunded collection says so; paying again is offered', async () => {
    const env = setup();
    const refund = { status: 'refunded', amount_fen: 2000, at: '2026-06-03T02:30:00Z' };
    const { page } = await payPage(env, { order: { out_trade_no: 'GP9', amount_fen: 2000, status: 'refunded', refund } });
    expect(text(page, '.refund-notice')).toBe('您的上一笔订单（GP9）已退款 ¥20.00（2026-06-03 10:30），款项将原路退回。如需继续采集，请重新支付。');
    expect(page.querySelector('.pay')).toBeTruthy();
    const home = await openPage(env, '/pages/index/index');
    expect(text(home, '.collection-status')).toBe('已退款，如需继续采集请重新支付');
  });

  test('a paid collection skips the page', async () => {
    const env = setup();
    const { c } = await payPage(env, { order: { out_trade_no: 'GP1', amount_fen: 2000, status: 'paid' } });
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/review/review?id=${c.id}` });
  });
});

describe('审核状态', () => {
  const paid = { out_trade_no: 'GP1', amount_fen: 2000, status: 'paid' };

  test('审核中 says 48 hours and refreshes', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'in_review', order: paid });
    const page = await openPage(env, `/pages/review/review?id=${c.id}`);
    expect(text(page, '.review-state')).toBe('审核中');
    expect(text(page, '.pending-hint')).toContain('48小时');
  });

  test('审核失败 lists the reasons and 重新上传 goes to the photo page', async () => {
    const env = setup();
    const c = env.server.addCollection({
      owner: 'sandbox-student',
      status: 'rejected',
      order: paid,
      review: { status: 'rejected', reasons: ['头发不遮挡眉毛和眼睛', '表情自然'], decided_at: '2026-06-02T10:00:00+08:00' },
    });
    const page = await openPage(env, `/pages/review/review?id=${c.id}`);
    expect(text(page, '.review-state')).toBe('审核失败');
    expect(texts(page, '.review-reason')).toEqual(['· 头发不遮挡眉毛和眼睛', '· 表情自然']);
    await tap(env, page, '.reupload');
    expect(lastNavigation(env.wx)).toEqual({ kind: 'navigateTo', url: `/pages/photo/photo?id=${c.id}` });
  });

  test('审核成功 downloads the photo with the session header and previews it', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'approved', order: paid });
    const page = await openPage(env, `/pages/review/review?id=${c.id}`);
    expect(text(page, '.review-state')).toBe('审核成功');
    await tap(env, page, '.view-photo');
    const dl = env.wx.calls.downloadFile[0];
    expect(dl.url).toBe(`http://127.0.0.1:8080/api/v1/collections/${c.id}/photo`);
    expect(dl.header.Authorization).toMatch(/^Bearer /);
    expect(env.wx.calls.previewImage[0].urls).toEqual([`wxfile://tmp/approved-${c.id}.jpg`]);
  });

  test.each([
    ['exported', '审核成功（学校整理报送中）', '学校正在整理报送学信网'],
    ['submitted', '已报送学信网', '请等待学信网比对结果'],
    ['chsi_accepted', '学信网已接收', '学信网已接收您的照片'],
  ])('%s reads "%s" honestly and still shows the photo', async (status, label, hint) => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status, order: paid });
    const page = await openPage(env, `/pages/review/review?id=${c.id}`);
    expect(text(page, '.review-state')).toBe(label);
    expect(text(page, '.approved-hint')).toContain(hint);
    expect(page.querySelector('.view-photo')).toBeTruthy();
  });

  test('学信网比对未通过 shows 学信网\'s reason, and the free new photo round goes back to review', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'chsi_failed', order: paid, chsi_reason: '与身份证照片比对不一致' });
    const page = await openPage(env, `/pages/review/review?id=${c.id}`);
    expect(text(page, '.review-state')).toBe('学信网比对未通过：与身份证照片比对不一致，请重新上传照片');
    expect(text(page, '.chsi-reason')).toContain('与身份证照片比对不一致');
    expect(page.querySelector('.view-photo')).toBeFalsy();
    await tap(env, page, '.reupload');
    expect(lastNavigation(env.wx)).toEqual({ kind: 'navigateTo', url: `/pages/photo/photo?id=${c.id}` });
    const photo = await openPage(env, `/pages/photo/photo?id=${c.id}`);
    expect(texts(photo, '.review-reason')).toEqual(['· 学信网比对未通过：与身份证照片比对不一致']);
    expect(text(photo, '.reupload-notice')).toContain('无需再次支付');
    await pickAndUpload(env, photo, 'wxfile://tmp/good.jpg');
    expect(text(photo, '.next')).toBe('使用此照片，提交审核');
    await tap(env, photo, '.next');
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/review/review?id=${c.id}` });
    expect(env.server.requests.some((r) => r.path.endsWith('/order'))).toBe(false);
  });

  test('shows the order (number, amount, paid time) and the reviewer\'s note', async () => {
    const env = setup();
    const c = env.server.addCollection({
      owner: 'sandbox-student',
      status: 'rejected',
      order: { out_trade_no: 'GP2606', amount_fen: 2500, status: 'paid', paid_at: '2026-06-01T02:05:00Z', refund: null },
      review: { status: 'rejected', reasons: ['表情自然'], decided_at: '2026-06-02T10:00:00+08:00' },
      review_note: '请摘下眼镜后重新拍摄',
    });
    const page = await openPage(env, `/pages/review/review?id=${c.id}`);
    expect(text(page, '.note-text')).toBe('请摘下眼镜后重新拍摄');
    expect(text(page, '.order-no')).toBe('GP2606');
    expect(text(page, '.order-amount')).toBe('¥25.00');
    expect(text(page, '.order-paid-at')).toBe('2026-06-01 10:05');
    expect(page.querySelector('.order-refund')).toBeFalsy();
  });

  test('an approved collection refunded by the school shows the refund in the order block', async () => {
    const env = setup();
    const c = env.server.addCollection({
      owner: 'sandbox-student',
      status: 'approved',
      order: { out_trade_no: 'GP7', amount_fen: 2000, status: 'refunding', paid_at: '2026-06-01T02:05:00Z',
        refund: { status: 'refunding', amount_fen: 2000, at: '2026-06-04T01:00:00Z' } },
    });
    const page = await openPage(env, `/pages/review/review?id=${c.id}`);
    expect(text(page, '.order-refund')).toBe('退款处理中 ¥20.00（2026-06-04 09:00 申请）');
    expect(page.querySelector('.review-note')).toBeFalsy(); // no note, no empty card
  });

  test('a collection not yet in review is sent to its step', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'code_ok' });
    await openPage(env, `/pages/review/review?id=${c.id}`);
    expect(lastNavigation(env.wx)).toEqual({ kind: 'redirectTo', url: `/pages/photo/photo?id=${c.id}` });
  });

  test('返回首页 relaunches home', async () => {
    const env = setup();
    const c = env.server.addCollection({ owner: 'sandbox-student', status: 'in_review', order: paid });
    const page = await openPage(env, `/pages/review/review?id=${c.id}`);
    await tap(env, page, '.home');
    expect(lastNavigation(env.wx)).toEqual({ kind: 'reLaunch', url: '/pages/index/index' });
  });
});
