// A scripted in-memory server that answers like the real API: same paths (written out
// here, not taken from utils/api.js, so a wrong client path fails the tests), same
// shapes, same error bodies. Every answer is checked against docs/openapi.yaml
// (contract.js; a test fails on an answer the real API would not give). Tests change
// its state or queue one-off answers; an answer marked { gateway: true } stands for
// something in front of the API (a load balancer's 502, WeChat's network) and is not
// checked.

const contract = require('./contract');

const SUPPORT = { phone: '010-58691620', hours: '周二至周日 9:30-17:00' };

const CHSI_NOTICE = '学校名单显示您在学信网已有学历照片，学信网不接受重复上传，继续采集将无法使用且费用不予退还。如有疑问请先联系学校。';

/** The page a status leads to (the API's next_step). */
function nextStep(status) {
  return {
    unconfirmed: 'confirm',
    confirmed: 'capture_code',
    code_ok: 'photo',
    photo_ok: 'pay',
    in_review: 'wait_review',
    rejected: 'reupload_photo',
    chsi_failed: 'reupload_photo',
    approved: 'done',
    exported: 'done',
    submitted: 'done',
    chsi_accepted: 'done',
  }[status];
}

function errorBody(code, message, details = {}) {
  return { error: { code, message, details } };
}

function check(id, passed, severity, message, value, limit) {
  return { id, passed, severity, value, limit, message };
}

/** Checks for an accepted photo: all errors pass, one warning fails. */
function passingChecks() {
  return [
    check('format_jpeg', true, 'error', '格式为jpg', 1, 'JPEG'),
    check('background_blue', true, 'error', '背景应为标准蓝色', 0.97, '≥ 0.90'),
    check('not_edited', false, 'warning', '照片疑似经过美颜或修图软件处理', 1, '未使用修图软件'),
  ];
}

/** Checks for a rejected photo: three errors fail, one warning fails. */
function failingChecks() {
  return [
    check('format_jpeg', true, 'error', '格式为jpg', 1, 'JPEG'),
    check('background_blue', false, 'error', '背景应为标准蓝色', 0.41, '≥ 0.90'),
    check('eye_line', false, 'error', '眼睛位置应在照片上方200-300像素之间', 0.52, '0.31–0.47'),
    check('sharpness', false, 'error', '图像不够清晰', 12.5, '≥ 40'),
    check('mouth_closed', false, 'warning', '嘴唇应自然闭合，不露齿', 0.08, '≤ 0.05'),
  ];
}

class FakeServer {
  constructor() {
    this.requests = [];
    this.queued = [];
    this.tokens = new Map(); // token -> openid
    this.loginCount = 0;
    this.paidAtWeChat = new Map(); // collection id -> reads until the server sees the payment
    this.nextId = 1;
    this.schools = [
      { id: 's_upc', name: '中国石油大学（华东）', province: '山东', levels: ['本科', '专科'], aliases: ['石大', 'UPC'], price_fen: 2500 },
      { id: 's_upcb', name: '中国石油大学（北京）', province: '北京', levels: ['本科'], aliases: [], price_fen: 2000 },
      { id: 's_pku', name: '北京大学', province: '北京', levels: ['本科'], aliases: ['北大'], price_fen: 2000 },
    ];
    this.roster = [
      { school_id: 's_upc', level: '本科', name: '张三', student_no: '2019001', phone: '13800000000', already_has_chsi_photo: false },
      { school_id: 's_upc', level: '专科', name: '李四', student_no: '2019002', phone: '13900000000', already_has_chsi_photo: true },
    ];
    this.info = {
      price_fen: 2000,
      support_phone: '0532-86983000',
      support_hours: '周一至周五 8:00-17:30',
      instructions: ['请在学信网App中打开图像采集码并截图', '照片须为近半年内的正面免冠彩色照片'],
      photo_rules: ['格式为jpg', '照片文件大于30K', '宽高比3:4', '标准蓝色背景'],
      subscribe_template_ids: [],
    };
    this.prices = { s_upc: 2500 };
    this.collections = new Map();
    this.photoFiles = new Map(); // collection id -> stored temp path for download
  }

  /**
   * Queue a one-off answer for the next request matching method and path regexp.
   * opts.gateway: the answer comes from in front of the API, not from it (unchecked).
   */
  respondOnce(method, pathRe, status, body, opts = {}) {
    this.queued.push({ method, pathRe, status, body, gateway: !!opts.gateway });
  }

  /** Invalidate every issued token: the next authorised call gets 401. */
  expireTokens() {
    this.tokens.clear();
  }

  addCollection(fields) {
    const c = Object.assign(this.newCollection(fields.owner || 'sandbox-student', this.roster[0]), fields);
    delete c.owner;
    this.collections.set(c.id, { owner: fields.owner || 'sandbox-student', c });
    return c;
  }

  newCollection(owner, entry) {
    const school = this.schools.find((s) => s.id === entry.school_id);
    return {
      id: `c_${this.nextId++}`,
      status: 'unconfirmed',
      school: { id: school.id, name: school.name },
      level: entry.level,
      name: entry.name,
      student_no: entry.student_no,
      phone_masked: `${entry.phone.slice(0, 3)}****${entry.phone.slice(7)}`,
      capture_code: null,
      photo: null,
      order: null,
      review: null,
      already_has_chsi_photo: entry.already_has_chsi_photo,
      subscribe_granted: false,
      next_step: nextStep('unconfirmed'),
      created_at: '2026-06-01T10:00:00+08:00',
      updated_at: '2026-06-01T10:00:00+08:00',
    };
  }

  /**
   * The student paid at WeChat (wx.requestPayment succeeded): the server learns it on
   * the reads-th next GET of the collection (its query of WeChat Pay on read), or at
   * once when reads is 0.
   */
  payAtWeChat(pkg, reads = 0) {
    const m = /^prepay_id=wx_(.+)$/.exec(pkg || '');
    if (m) this.paidAtWeChat.set(m[1], reads);
  }

  /** What the payment notification does server-side. */
  markPaid(id) {
    const { c } = this.collections.get(id);
    c.order.status = 'paid';
    c.status = 'in_review';
    c.review = { status: 'pending', reasons: [], decided_at: null };
  }

  decide(id, decision, reasons = []) {
    const { c } = this.collections.get(id);
    c.status = decision === 'approve' ? 'approved' : 'rejected';
    c.review = { status: decision === 'approve' ? 'approved' : 'rejected', reasons, decided_at: '2026-06-02T10:00:00+08:00' };
  }

  /**
   * Handles one request. kind is request|upload|download; body is JSON data for
   * requests, {field, filePath} for uploads. Returns {status, body}.
   */
  handle(req) {
    const res = this.answer(req);
    // next_step follows the status, however a test changed it.
    const body = res.body || {};
    [body.collection].concat(body.collections || []).forEach((c) => {
      if (c && typeof c === 'object' && c.status) c.next_step = nextStep(c.status);
    });
    if (!res.gateway) {
      contract.record(contract.checkAnswer({ method: req.method, path: new URL(req.url).pathname, status: res.status, body: res.body, kind: req.kind }));
    }
    return { status: res.status, body: res.body };
  }

  answer({ kind, method, url, header, body }) {
    const u = new URL(url);
    const path = u.pathname;
    this.requests.push({ kind, method, path, query: Object.fromEntries(u.searchParams), header: header || {}, body });
    const qi = this.queued.findIndex((q) => q.method === method && q.pathRe.test(path));
    if (qi >= 0) {
      const [q] = this.queued.splice(qi, 1);
      return { status: q.status, body: q.body, gateway: q.gateway };
    }
    if (method === 'POST' && path === '/api/v1/auth/wechat-login') return this.login(body);
    // Public: no token needed.
    if (method === 'GET' && path === '/api/v1/schools') return this.searchSchools(u.searchParams);
    if (method === 'GET' && path === '/api/v1/info') return this.infoFor(u.searchParams.get('school_id'));

    const auth = (header && (header.Authorization || header.authorization)) || '';
    const openid = this.tokens.get(auth.replace(/^Bearer /, ''));
    if (!openid) return { status: 401, body: errorBody('unauthorized', '登录已过期，请重新登录') };

    let m;
    if (method === 'GET' && path === '/api/v1/collections') {
      const mine = [...this.collections.values()].filter((x) => x.owner === openid).map((x) => x.c);
      return { status: 200, body: { collections: mine } };
    }
    if (method === 'POST' && path === '/api/v1/collections') return this.createCollection(openid, body);
    if ((m = path.match(/^\/api\/v1\/collections\/([^/]+)((?:\/[a-z-]+)*)$/))) {
      const entry = this.collections.get(decodeURIComponent(m[1]));
      // Another student's collection is not found either: the API does not tell them apart.
      if (!entry || entry.owner !== openid) return { status: 404, body: errorBody('collection_not_found', '未找到该采集记录') };
      const c = entry.c;
      const action = `${method} ${m[2] || ''}`;
      switch (action) {
        case 'GET ':
          if (this.paidAtWeChat.has(c.id) && c.order && c.order.status === 'created') {
            const left = this.paidAtWeChat.get(c.id);
            if (left <= 0) {
              this.paidAtWeChat.delete(c.id);
              this.markPaid(c.id);
            } else {
              this.paidAtWeChat.set(c.id, left - 1);
            }
          }
          return { status: 200, body: { collection: c } };
        case 'POST /confirm':
          if (c.status !== 'unconfirmed' && c.status !== 'confirmed') return this.wrongStep();
          c.status = 'confirmed';
          return { status: 200, body: { collection: c } };
        case 'POST /capture-code':
          return this.captureCode(c, body);
        case 'POST /photo':
          return this.photo(c, body);
        case 'POST /order':
          return this.order(c, body);
        case 'POST /subscribe': {
          const ids = this.info.subscribe_template_ids;
          if (!body || !Array.isArray(body.accepted) || body.accepted.some((t) => !ids.includes(t))) {
            return { status: 400, body: errorBody('invalid_field', '订阅消息模板无效，请重新打开小程序后再试') };
          }
          c.subscribed = [...new Set([...(c.subscribed || []), ...body.accepted])].sort();
          c.subscribe_granted = c.subscribed.length > 0;
          return { status: 200, body: { collection: c } };
        }
        case 'GET /photo/standard':
          if (!c.photo || !c.photo.standard_url) return { status: 404, body: errorBody('standard_photo_not_available', '还没有通过检测的照片，请先上传照片') };
          return { status: 200, body: { tempFilePath: `wxfile://tmp/standard-${c.id}.jpg` } };
        case 'GET /photo':
          if (!['approved', 'exported', 'submitted', 'chsi_accepted'].includes(c.status)) {
            return { status: 404, body: errorBody('photo_not_available', '照片审核通过后才能查看') };
          }
          return { status: 200, body: { tempFilePath: `wxfile://tmp/approved-${c.id}.jpg` } };
        default:
          return { status: 404, body: errorBody('not_found', '请求的地址不存在') };
      }
    }
    return { status: 404, body: errorBody('not_found', '请求的地址不存在') };
  }

  infoFor(schoolId) {
    if (!schoolId) return { status: 200, body: this.info };
    const school = this.schools.find((s) => s.id === schoolId);
    if (!school) return { status: 404, body: errorBody('school_not_found', '没有找到该学校') };
    return { status: 200, body: Object.assign({}, this.info, { price_fen: this.prices[schoolId] || this.info.price_fen }) };
  }

  wrongStep() {
    return { status: 409, body: errorBody('wrong_step', '当前步骤不能进行此操作') };
  }

  login(body) {
    if (!body || typeof body.code !== 'string' || !body.code.startsWith('dev-')) {
      return { status: 401, body: errorBody('wechat_login_failed', '微信登录失败') };
    }
    this.loginCount++;
    const token = `tok-${this.loginCount}`;
    this.tokens.set(token, `sandbox-${body.code.slice(4).replace(/~.*$/, '').replace(/-\d+$/, '')}`);
    return { status: 200, body: { token, expires_at: '2099-01-01T00:00:00Z', user: { id: 'u_1' } } };
  }

  searchSchools(params) {
    const q = params.get('q') || '';
    const limit = Number(params.get('limit') || 20);
    const schools = this.schools.filter((s) => q && s.name.includes(q)).slice(0, limit);
    return { status: 200, body: { schools } };
  }

  createCollection(openid, body) {
    const required = ['school_id', 'level', 'name', 'student_no'];
    const missing = body ? required.find((k) => !body[k]) || (!body.phone && !body.phone_code ? 'phone' : '') : 'school_id';
    if (missing) return { status: 400, body: errorBody('invalid_field', '请完整填写信息', { field: missing }) };
    const phone = body.phone || (body.phone_code || '').replace(/^phone-/, '');
    const entry = this.roster.find(
      (r) => r.school_id === body.school_id && r.level === body.level && r.name === body.name && r.student_no === body.student_no && r.phone === phone,
    );
    if (!entry) return { status: 422, body: errorBody('student_not_found', '信息无法确认，请联系学校核实您的信息') };
    const bound = [...this.collections.values()].find((x) => x.c.student_no === entry.student_no && x.c.school.id === entry.school_id);
    if (bound && bound.owner !== openid) {
      return { status: 409, body: errorBody('already_bound', '该学生信息已被其他微信账号绑定，请联系学校') };
    }
    if (bound) return { status: 200, body: { collection: bound.c } }; // verifying again: the same collection
    const c = this.newCollection(openid, entry);
    this.collections.set(c.id, { owner: openid, c });
    return { status: 201, body: { collection: c } };
  }

  captureCode(c, upload) {
    if (!upload || upload.field !== 'image') return { status: 400, body: errorBody('file_missing', '请选择要上传的文件（字段 image）') };
    if (!['confirmed', 'code_ok', 'photo_ok'].includes(c.status)) return this.wrongStep();
    if (upload.filePath.includes('noqr')) {
      return { status: 422, body: errorBody('qr_not_found', '未识别到采集码，请上传完整清晰的采集码截图') };
    }
    if (c.status === 'confirmed') c.status = 'code_ok';
    c.capture_code = { masked: 'XY12****7890', uploaded_at: '2026-06-01T10:05:00+08:00' };
    return { status: 200, body: { collection: c } };
  }

  photo(c, upload) {
    if (!upload || upload.field !== 'photo') return { status: 400, body: errorBody('file_missing', '请选择要上传的文件（字段 photo）') };
    if (!['code_ok', 'photo_ok', 'rejected', 'chsi_failed'].includes(c.status)) return this.wrongStep();
    if (upload.filePath.includes('bad')) {
      return { status: 422, body: errorBody('photo_rejected', '照片不符合标准', { checks: failingChecks() }) };
    }
    const checks = passingChecks();
    c.photo = { uploaded_at: '2026-06-01T10:10:00+08:00', checks, standard_url: `/api/v1/collections/${c.id}/photo/standard` };
    // A re-upload after a rejection goes back to review; the order stays paid.
    if (c.order && c.order.status === 'paid') {
      c.status = 'in_review';
      c.review = { status: 'pending', reasons: [], decided_at: null };
      delete c.chsi_reason;
    } else {
      c.status = 'photo_ok';
    }
    return { status: 200, body: { collection: c, checks, standard: { standardized: true, crop: [40, 60, 720, 960], scale: 0.6667 } } };
  }

  order(c, body) {
    if (c.status !== 'photo_ok') return this.wrongStep();
    if (c.already_has_chsi_photo && !(body && body.ack_chsi_photo === true)) {
      return { status: 409, body: errorBody('already_has_chsi_photo', CHSI_NOTICE) };
    }
    c.order = c.order || { out_trade_no: `GP${c.id}`, amount_fen: this.prices[c.school.id] || this.info.price_fen, status: 'created' };
    return {
      status: 200,
      body: {
        order: c.order,
        pay_params: { timeStamp: '1780000000', nonceStr: 'n0nce', package: `prepay_id=wx_${c.id}`, signType: 'RSA', paySign: 'c2lnbg==' },
      },
    };
  }
}

module.exports = { FakeServer, SUPPORT, CHSI_NOTICE, passingChecks, failingChecks, errorBody };
