// 查询: support finds a student by phone, 学号 or order number and sees the whole
// story on one timeline (collection steps, payment, review, messages); a paid order
// can be refunded with a reason. Every look-up is in the audit trail (server side).
import { api, ADMIN } from './api.js';
import { h, clear, toast, when, whenSeconds, yuan, STATUS, ORDER_STATUS, REVIEW_STATUS } from './dom.js';

let alive = null;
export function stop() { alive = null; }

const NOTIFY_STATUS = { pending: '待发送', sending: '发送中', sent: '已发送', failed: '发送失败' };

const KEYS = { phone: '手机号', student_no: '学号', out_trade_no: '订单号' };

export function render(root) {
  const token = {};
  alive = token;
  const kind = h('select#lookup-kind', Object.entries(KEYS).map(([k, v]) => h('option', { value: k }, v)));
  const q = h('input#lookup-q', { type: 'search', required: true, maxlength: 40, placeholder: '例如 13800000001', autocomplete: 'off' });
  const out = h('div#lookup-results');
  const form = h('form.inline.search', {
    on: {
      submit: async (ev) => {
        ev.preventDefault();
        await search(out, kind.value, q.value.trim(), token);
      },
    },
  }, kind, q, h('button.primary', { type: 'submit' }, '查询'));
  kind.addEventListener('change', () => {
    q.placeholder = { phone: '例如 13800000001', student_no: '例如 2019010001', out_trade_no: '商户订单号' }[kind.value];
  });
  root.append(h('h1', '查询'), form, out);
  q.focus();
}

async function search(out, kind, value, token) {
  if (!value) return;
  clear(out).append(h('p.muted', '正在查询…'));
  try {
    const res = await api('GET', `${ADMIN}/lookup?${new URLSearchParams({ [kind]: value })}`);
    if (alive !== token) return;
    clear(out);
    for (const r of res.results) out.append(result(r, () => search(out, kind, value, token)));
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
