// 审核状态: 审核中 / 审核失败 (reasons, 重新上传 without a new payment) / 审核成功 (查看照片:
// the approved photo downloaded with the session header and previewed) and its way to
// 学信网 (学校整理报送中 / 已报送 / 已接收), or 学信网比对未通过 (reason, 重新上传, free).
// Below: the reviewer's note to the student, and the order (number, amount, paid time,
// refund status, amount and time).
// Each result's WeChat message needs its own acceptance: while a result is pending the
// student can tap 接收审核结果通知, and 重新上传 asks again before the new photo.
const { decodeQuery, pageURL, nextPageFor, isPaid, statusLabel, PAGES, formatFen, formatTime, refundText } = require('../../utils/flow');
const { askAndRecord } = require('../../utils/subscribe');

/** The templates the student has no acceptance left for. */
function missingTemplates(tmplIds, c) {
  const have = (c && c.subscribed) || [];
  return (tmplIds || []).filter((t) => !have.includes(t));
}

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
  data: {
    id: '',
    loading: true,
    state: '',
    stateText: '',
    reasons: [],
    note: '',
    order: null,
    chsiReason: '',
    deliveryHint: '',
    downloading: false,
    tmplIds: [],
    askSubscribe: false,
  },

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
        const info = await getApp().api.getInfo().catch(() => null);
        const tmplIds = (info && info.subscribe_template_ids) || [];
        this.setData({
          loading: false,
          state,
          stateText: statusLabel(c),
          reasons: state === 'rejected' && c.review ? c.review.reasons || [] : [],
          tmplIds,
          askSubscribe: state === 'pending' && missingTemplates(tmplIds, c).length > 0,
          chsiReason: state === 'chsi_failed' ? c.chsi_reason || '' : '',
          deliveryHint: DELIVERY_HINTS[c.status] || '',
          note: c.review_note || '',
          order: orderBlock(c.order),
        });
      } catch (err) {
        this.setData({ loading: false });
      }
    },

    /** 接收审核结果通知 (a tap, so the panel can open). */
    subscribe() {
      return askAndRecord(getApp().api, this.data.id, this.data.tmplIds).then((c) => {
        if (c) this.setData({ askSubscribe: missingTemplates(this.data.tmplIds, c).length > 0 });
      });
    },

    /** 重新上传: the next result needs a new acceptance, asked in this tap. */
    reupload() {
      const asked = askAndRecord(getApp().api, this.data.id, this.data.tmplIds);
      return asked.then(() => wx.navigateTo({ url: pageURL('photo', { id: this.data.id }) }));
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
