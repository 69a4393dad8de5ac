// Building DOM nodes without innerHTML: every piece of data is a text node, so a
// student's name or a free-text reason can never become markup (and the CSP forbids
// inline code anyway).

/** h('tag.class#id', {attrs, on: {event: fn}}, ...children) */
export function h(spec, props, ...children) {
  const [, tag = 'div', rest = ''] = spec.match(/^([a-z0-9]+)?(.*)$/i) || [];
  const el = document.createElement(tag);
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (props && (typeof props !== 'object' || props instanceof Node || Array.isArray(props))) {
    children.unshift(props);
    props = null;
  }
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false && v != null) el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

const SVG = 'http://www.w3.org/2000/svg';

/** svg('rect', {x, y, ...}) */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let toastTimer;
export function toast(text, kind = 'ok') {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.className = kind;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 3500);
}

const dateFmt = new Intl.DateTimeFormat('zh-CN', {
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
});
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : dateFmt.format(d);
}

const secondFmt = new Intl.DateTimeFormat('zh-CN', {
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
});
export function whenSeconds(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : secondFmt.format(d);
}

export function yuan(fen) {
  return fen == null ? '—' : `¥${(fen / 100).toFixed(2)}`;
}

export const STATUS = {
  not_started: '未开始', unconfirmed: '待确认信息', confirmed: '待上传采集码', code_ok: '待上传照片', photo_ok: '待支付',
  in_review: '审核中', approved: '审核通过', rejected: '审核未通过',
  // Honest about where the photo is: exported means the school has it, not 学信网.
  exported: '已导出（学校整理报送中）', submitted: '已报送学信网', chsi_accepted: '学信网已接收', chsi_failed: '学信网比对未通过',
};
export const BATCH_STATUS = { exported: '已导出，未报送', submitted: '已报送学信网' };
export const ORDER_STATUS = {
  created: '待支付', paid: '已支付', closed: '已关闭', refunding: '退款中', refunded: '已退款',
};
export const REVIEW_STATUS = { pending: '待审核', approved: '通过', rejected: '不通过' };
export const ROLE = { admin: '管理员', school_admin: '学校管理员', reviewer: '审核员', support: '客服' };
