// 审核状态: 审核中 / 审核失败 (reasons, 重新上传 without a new payment) / 审核成功 (查看照片:
// the approved photo downloaded with the session header and previewed) and its way to
// 学信网 (学校整理报送中 / 已报送 / 已接收), or 学信网比对未通过 (reason, 重新上传, free).
// Below: the reviewer's note to the student, and the order (number, amount, paid time,
// refund status, amount and time).
const { decodeQuery, pageURL, nextPageFor, isPaid, statusLabel, PAGES, formatFen, formatTime, refundText } = require('../../utils/flow');

const APPROVED = ['approved', 'exported', 'submitted', 'chsi_accepted'];

/** What the student is told about an approved photo's way to 学信网. */
const DELIVERY_HINTS = Object.freeze({
  approved: '您的照片已审核通过，学校将统一报送学信网。',
  exported: '您的照片已审核通过，学校正在整理报送学信网。',
  submitted: '学校已将您的照片报送学信网，请等待学信网比对结果。',
  chsi_accepted: '学信网已接收您的照片。',
});

/** The order block's rows, or null without an order. */
function orderBlock(o) {
  if (!o) return null;
  return {
    no: o.out_trade_no,
    amount: formatFen(o.amount_fen),
    paidAt: formatTime(o.paid_at),
    refund: refundText(o.refund),
  };
}

/** pending | rejected | approved | chsi_failed, or '' when the collection has not reached review. */
function reviewState(c) {
  if (APPROVED.includes(c.status)) return 'approved';
  if (c.status === 'rejected') return 'rejected';
  if (c.status === 'chsi_failed') return 'chsi_failed';
  if (c.status === 'in_review' || (c.status === 'photo_ok' && isPaid(c))) return 'pending';
  return '';
}

Component({
  data: { id: '', loading: true, state: '', stateText: '', reasons: [], note: '', order: null, chsiReason: '', deliveryHint: '', downloading: false },

  methods: {
    onLoad(options) {
      this.setData({ id: decodeQuery(options).id || '' });
      return this.load();
    },

    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },

    async load() {
      this.setData({ loading: true });
      try {
        const c = await getApp().api.getCollection(this.data.id);
        const state = reviewState(c);
        if (!state) {
          wx.redirectTo({ url: nextPageFor(c) });
          return;
        }
        this.setData({
          loading: false,
          state,
          stateText: statusLabel(c),
          reasons: state === 'rejected' && c.review ? c.review.reasons || [] : [],
          chsiReason: state === 'chsi_failed' ? c.chsi_reason || '' : '',
          deliveryHint: DELIVERY_HINTS[c.status] || '',
          note: c.review_note || '',
          order: orderBlock(c.order),
        });
      } catch (err) {
        this.setData({ loading: false });
      }
    },

    reupload() {
      wx.navigateTo({ url: pageURL('photo', { id: this.data.id }) });
    },

    async viewPhoto() {
      if (this.data.downloading) return;
      this.setData({ downloading: true });
      try {
        const path = await getApp().api.downloadApprovedPhoto(this.data.id);
        wx.previewImage({ urls: [path], current: path });
      } catch (err) {
        // Shown by the client.
      }
      this.setData({ downloading: false });
    },

    home() {
      wx.reLaunch({ url: PAGES.home });
    },
  },
});
