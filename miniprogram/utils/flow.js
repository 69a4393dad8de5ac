// Where a collection stands and which page the student continues on. The status
// names are api.md's; the labels are the text shown (status is never colour only).

const PAGES = Object.freeze({
  home: '/pages/index/index',
  school: '/pages/school/school',
  level: '/pages/level/level',
  verify: '/pages/verify/verify',
  confirm: '/pages/confirm/confirm',
  instructions: '/pages/instructions/instructions',
  capture: '/pages/capture/capture',
  photo: '/pages/photo/photo',
  pay: '/pages/pay/pay',
  review: '/pages/review/review',
});

const STATUS_LABELS = Object.freeze({
  unconfirmed: '待确认信息',
  confirmed: '待上传采集码',
  code_ok: '待上传照片',
  photo_ok: '待支付',
  in_review: '审核中',
  approved: '审核成功',
  rejected: '审核失败',
  // Honest about where the photo is: exported only means the school has it.
  exported: '审核成功（学校整理报送中）',
  submitted: '已报送学信网',
  chsi_accepted: '学信网已接收',
  chsi_failed: '学信网比对未通过，请重新上传照片',
});

function isPaid(collection) {
  return Boolean(collection && collection.order && collection.order.status === 'paid');
}

/** The refund of the collection's order, or null. */
function refundOf(collection) {
  return (collection && collection.order && collection.order.refund) || null;
}

/** The text shown for a collection's status. */
function statusLabel(collection) {
  if (!collection) return '';
  // Paid but the notification not yet applied: the student did pay, say so.
  if (collection.status === 'photo_ok' && isPaid(collection)) return '支付确认中';
  // Refunded: never a bare "待支付" as if nothing had happened.
  const refund = refundOf(collection);
  if (collection.status === 'photo_ok' && refund) return refund.status === 'refunded' ? '已退款，如需继续采集请重新支付' : '退款处理中';
  if (collection.status === 'chsi_failed' && collection.chsi_reason) {
    return `学信网比对未通过：${collection.chsi_reason}，请重新上传照片`;
  }
  return STATUS_LABELS[collection.status] || '处理中';
}

function pageURL(page, query) {
  const parts = Object.keys(query || {})
    .filter((k) => query[k] !== undefined && query[k] !== null)
    .map((k) => `${k}=${encodeURIComponent(String(query[k]))}`);
  return parts.length ? `${PAGES[page]}?${parts.join('&')}` : PAGES[page];
}

/** The page that continues a collection from its status. */
function nextPageFor(collection) {
  const id = collection.id;
  switch (collection.status) {
    case 'unconfirmed':
      return pageURL('confirm', { id });
    case 'confirmed':
      return pageURL('instructions', { id });
    case 'code_ok':
      return pageURL('photo', { id });
    case 'photo_ok':
      return isPaid(collection) ? pageURL('review', { id }) : pageURL('pay', { id });
    default:
      return pageURL('review', { id });
  }
}

/** Decodes a page's onLoad options (WeChat hands them URL-encoded). */
function decodeQuery(options) {
  const out = {};
  Object.keys(options || {}).forEach((k) => {
    try {
      out[k] = decodeURIComponent(options[k]);
    } catch (e) {
      out[k] = options[k];
    }
  });
  return out;
}

function formatFen(fen) {
  const n = Number(fen) || 0;
  return `¥${(n / 100).toFixed(2)}`;
}

/** An RFC 3339 time as China time, 2026-06-02 10:00 ('' when absent or invalid). */
function formatTime(iso) {
  const t = Date.parse(iso || '');
  if (Number.isNaN(t)) return '';
  const d = new Date(t + 8 * 3600 * 1000); // China has no daylight saving
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

/** What the student reads about a refund: status, amount and time. */
function refundText(refund) {
  if (!refund) return '';
  const at = formatTime(refund.at);
  if (refund.status === 'refunded') return `已退款 ${formatFen(refund.amount_fen)}${at ? `（${at}）` : ''}，款项将原路退回`;
  return `退款处理中 ${formatFen(refund.amount_fen)}${at ? `（${at} 申请）` : ''}`;
}

module.exports = { PAGES, STATUS_LABELS, statusLabel, nextPageFor, pageURL, decodeQuery, isPaid, formatFen, formatTime, refundOf, refundText };
