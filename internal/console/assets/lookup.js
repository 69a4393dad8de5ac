// 查询: support finds a student by phone, 学号, order number or name (within a school)
// and sees the whole story on one timeline (collection steps, payment, review,
// messages); a paid order can be refunded with a reason. With a reason, support can see
// the full phone number or free the student from a wrong WeChat account; the latest
// result SMS can be sent again. 待回访 lists the students to call. Every look-up and
// action is in the audit trail (server side).
import { api, ADMIN } from './api.js';
import { h, clear, toast, when, whenSeconds, yuan, STATUS, ORDER_STATUS, REVIEW_STATUS } from './dom.js';

let alive = null;
export function stop() { alive = null; }

const NOTIFY_STATUS = { pending: '待发送', sending: '发送中', sent: '已发送', failed: '发送失败' };

const KEYS = { phone: '手机号', student_no: '学号', out_trade_no: '订单号', name: '姓名' };

const CALLBACK_REASON = { rejected_twice: '照片两次及以上未通过', chsi_failed: '学信网比对未通过', refund_stuck: '退款未完成' };

export function render(root) {
  const token = {};
  alive = token;
  const kind = h('select#lookup-kind', Object.entries(KEYS).map(([k, v]) => h('option', { value: k }, v)));
  const q = h('input#lookup-q', { type: 'search', required: true, maxlength: 40, placeholder: '例如 13800000001', autocomplete: 'off' });
  const school = h('input#lookup-school', { type: 'text', maxlength: 40, placeholder: '学校编号，例如 upc-east', hidden: true });
  const out = h('div#lookup-results');
  const form = h('form.inline.search', {
    on: {
      submit: async (ev) => {
        ev.preventDefault();
        const params = { [kind.value]: q.value.trim() };
        if (kind.value === 'name') params.school_id = school.value.trim();
        await search(out, params, token);
      },
    },
  }, kind, school, q, h('button.primary', { type: 'submit' }, '查询'));
  kind.addEventListener('change', () => {
    q.placeholder = { phone: '例如 13800000001', student_no: '例如 2019010001', out_trade_no: '商户订单号', name: '姓名（至少2个字）' }[kind.value];
    school.hidden = kind.value !== 'name';
  });
  const callbacks = h('div#callbacks');
  const showCallbacks = h('button#load-callbacks', { type: 'button', on: { click: () => loadCallbacks(callbacks, out, token) } }, '待回访学生');
  root.append(h('h1', '查询'), form, h('p', showCallbacks), callbacks, out);
  q.focus();
}

async function loadCallbacks(el, out, token) {
  clear(el).append(h('p.muted', '正在加载…'));
  try {
    const res = await api('GET', `${ADMIN}/callbacks`);
    if (alive !== token) return;
    if (!res.callbacks.length) {
      clear(el).append(h('p.muted', '没有需要回访的学生'));
      return;
    }
    clear(el).append(h('table.list#callback-list',
      h('thead', h('tr', ...['原因', '姓名', '学号', '学校', '手机', ''].map((t) => h('th', t)))),
      h('tbody', res.callbacks.map((cb) => h('tr', { dataset: { reason: cb.reason } },
        h('td', CALLBACK_REASON[cb.reason] || cb.reason, cb.rounds ? `（${cb.rounds} 次）` : ''),
        h('td', cb.collection.name), h('td', cb.collection.student_no), h('td', cb.collection.school?.name || ''),
        h('td', cb.collection.phone_masked || '—'),
        h('td', h('button.link', { type: 'button', on: { click: () => search(out, { student_no: cb.collection.student_no }, token) } }, '查看')))))));
  } catch (e) {
    if (alive === token) clear(el).append(h('p.error', e.message));
  }
}

async function search(out, params, token) {
  if (!Object.values(params)[0]) return;
  clear(out).append(h('p.muted', '正在查询…'));
  try {
    const res = await api('GET', `${ADMIN}/lookup?${new URLSearchParams(params)}`);
    if (alive !== token) return;
    clear(out);
    for (const r of res.results) out.append(result(r, () => search(out, params, token)));
  } catch (e) {
    if (alive === token) clear(out).append(h('p.error', e.message));
  }
}

function result(r, reload) {
  const c = r.collection;
  const o = r.order;
  const rv = r.review;
  return h('article.result', { dataset: { collection: c.id } },
    h('header',
      h('h2', c.name, ' ', h('span.muted', c.student_no)),
      h('span.status', { dataset: { status: c.status } }, STATUS[c.status] || c.status)),
    h('dl.facts',
      h('dt', '学校'), h('dd', `${c.school?.name || ''} · ${c.level}`),
      h('dt', '手机'), h('dd', c.phone_masked || '—'),
      h('dt', '采集码'), h('dd', c.capture_code ? `${c.capture_code.masked}（${when(c.capture_code.uploaded_at)}）` : '未上传'),
      h('dt', '订单'), h('dd', o ? `${o.out_trade_no} · ${yuan(o.amount_fen)} · ${ORDER_STATUS[o.status] || o.status}` : '无'),
      h('dt', '审核'), h('dd', rv ? `${REVIEW_STATUS[rv.status] || rv.status}${rv.reasons?.length ? `：${rv.reasons.join('、')}` : ''}${rv.decided_by ? `（${rv.decided_by}）` : ''}` : '无'),
      c.already_has_chsi_photo ? [h('dt', '注意'), h('dd.bad', '名单标记该生已有学信网照片')] : null),
    supportActions(c, reload),
    h('h3', '时间线'), timeline(r),
    o && r.refundable ? refundForm(o, reload) : null,
    o && o.refund_reason ? h('p.muted', `退款原因：${o.refund_reason}`) : null);
}

function timeline(r) {
  const c = r.collection;
  const ev = [];
  // Events are added in the journey's order, which breaks ties: WeChat reports the
  // payment time in whole seconds, so it can read a little earlier than the order.
  const add = (at, text, kind = '') => { if (at) ev.push({ at, text, kind, rank: ev.length }); };
  add(c.created_at, '核验身份，创建采集记录');
  add(c.capture_code?.uploaded_at, '上传图像采集码');
  add(c.photo?.uploaded_at, '上传照片（机器检查通过）');
  if (r.order) {
    add(r.order.created_at, `下单 ${yuan(r.order.amount_fen)}`);
    add(r.order.paid_at, '支付成功', 'ok');
    add(r.order.refunded_at, `退款${ORDER_STATUS[r.order.status] === '已退款' ? '完成' : ''}`, 'warn');
  }
  if (r.review) {
    add(r.review.decided_at, `审核${REVIEW_STATUS[r.review.status] || ''}${r.review.reasons?.length ? `：${r.review.reasons.join('、')}` : ''}`,
      r.review.status === 'approved' ? 'ok' : 'bad');
    if (r.review.status === 'pending') add(r.review.deadline, '审核截止时间', 'due');
  }
  for (const n of r.notifications || []) {
    const st = NOTIFY_STATUS[n.status] || n.status;
    add(n.sent_at || n.created_at, `${n.channel === 'sms' ? '短信' : '订阅消息'}（${n.recipient_masked || ''}，${st}${n.attempts > 1 ? `，第 ${n.attempts} 次尝试` : ''}）${n.text ? `：${n.text}` : ''}`,
      n.status === 'failed' ? 'bad' : '');
  }
  const second = (e) => Math.floor(new Date(e.at).getTime() / 1000);
  ev.sort((a, b) => (second(a) - second(b)) || (a.rank - b.rank));
  return h('ol.timeline', ev.map((e) => h(`li${e.kind ? `.${e.kind}` : ''}`, h('time', { datetime: e.at }, whenSeconds(e.at)), ' ', e.text)));
}

function refundForm(o, reload) {
  const reason = h('input.refund-reason', { type: 'text', required: true, maxlength: 80, placeholder: '退款原因（必填，记入审计）' });
  const btn = h('button.danger', { type: 'submit' }, `退款 ${yuan(o.amount_fen)}`);
  return h('form.inline.refund', {
    on: {
      submit: async (ev) => {
        ev.preventDefault();
        if (!reason.value.trim()) return;
        // eslint-disable-next-line no-alert
        if (!window.confirm(`确认退款 ${yuan(o.amount_fen)}（订单 ${o.out_trade_no}）？`)) return;
        btn.disabled = true;
        try {
          await api('POST', `${ADMIN}/orders/${encodeURIComponent(o.out_trade_no)}/refund`, { json: { reason: reason.value.trim() } });
          toast('退款已提交');
          reload();
        } catch (e) {
          toast(e.message, 'error');
          btn.disabled = false;
        }
      },
    },
  }, reason, btn);
}

/** Reveal the full phone or unbind (both need a reason, both audited); resend the result SMS. */
function supportActions(c, reload) {
  const reason = h('input.action-reason', { type: 'text', maxlength: 200, placeholder: '原因（查看完整手机号或解绑时必填，记入审计）' });
  const phone = h('strong.phone-full');
  const need = () => {
    if (reason.value.trim()) return true;
    toast('请填写原因', 'error');
    reason.focus();
    return false;
  };
  const act = (label, cls, fn) => h(`button.${cls}`, {
    type: 'button',
    on: {
      click: async (ev) => {
        ev.target.disabled = true;
        try { await fn(); } catch (e) { toast(e.message, 'error'); } finally { ev.target.disabled = false; }
      },
    },
  }, label);
  const base = `${ADMIN}/collections/${encodeURIComponent(c.id)}`;
  return h('div.support-actions',
    reason,
    act('查看完整手机号', 'reveal', async () => {
      if (!need()) return;
      const res = await api('POST', `${base}/reveal-phone`, { json: { reason: reason.value.trim() } });
      phone.textContent = res.phone;
    }),
    phone,
    act('重发审核结果短信', 'resend', async () => {
      await api('POST', `${base}/resend-result`);
      toast('审核结果短信已重新发送');
      reload();
    }),
    act('解绑微信', 'danger.unbind', async () => {
      if (!need()) return;
      // eslint-disable-next-line no-alert
      if (!window.confirm(`确认将 ${c.name}（${c.student_no}）与当前微信账号解绑？原微信将无法再查看，新的微信账号核验身份后可继续采集。`)) return;
      await api('POST', `${base}/unbind`, { json: { reason: reason.value.trim() } });
      toast('已解绑，学生可用新的微信账号重新核验');
      reload();
    }));
}
