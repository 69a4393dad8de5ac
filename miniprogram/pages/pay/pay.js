// 支付: POST .../order, then wx.requestPayment with pay_params exactly as the server gave
// them. Success shows 支付确认中 while the server confirms the payment with WeChat Pay
// (GET collection queries an open order), then the review status; a cancel leaves the
// student here to try again; already_paid goes to the review status.
// Before the order: the 学信网 duplicate notice must be acknowledged (the server refuses the
// order otherwise), and the student is asked once to subscribe to the review result.
const { decodeQuery, pageURL, nextPageFor, formatFen, isPaid, refundOf, refundText } = require('../../utils/flow');
const { askSubscription } = require('../../utils/subscribe');

const CANCEL = 'requestPayment:fail cancel';

// Used when the server sends no collection.notice (it is omitted when empty).
const CHSI_NOTICE = '学校名单显示您在学信网已有学历照片，学信网不能重复上传，支付的费用不予退还。如有疑问请先联系学校。';

const CONFIRMING = '支付确认中，请稍候…';
const NOT_CONFIRMED = '支付确认中：尚未收到微信支付的结果。如已扣款，请稍后点击“刷新支付结果”，无需重复支付。';

function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function requestPayment(payParams) {
  return new Promise((resolve) => {
    wx.requestPayment(
      Object.assign({}, payParams, {
        success: () => resolve({ ok: true }),
        fail: (res) => resolve({ ok: false, errMsg: (res && res.errMsg) || '' }),
      }),
    );
  });
}

Component({
  data: {
    id: '',
    collection: null,
    amountText: '',
    refundNotice: '',
    paying: false,
    confirming: false,
    unconfirmed: false,
    stateText: '',
    tmplIds: [],
    subscribeAsked: false,
  },

  methods: {
    onLoad(options) {
      this.setData({ id: decodeQuery(options).id || '' });
      return this.load();
    },

    async load() {
      const api = getApp().api;
      try {
        const collection = await api.getCollection(this.data.id);
        if (collection.status !== 'photo_ok' || (collection.order && collection.order.status === 'paid')) {
          wx.redirectTo({ url: nextPageFor(collection) });
          return;
        }
        const fen = collection.order
          ? collection.order.amount_fen
          : await api.schoolPriceFen(collection.school.id, { quiet: true }).catch(() => 0);
        // Without /info the templates stay empty and the student simply is not asked.
        const info = await api.getInfo().catch(() => null);
        const tmplIds = (info && info.subscribe_template_ids) || [];
        const refund = refundOf(collection);
        this.setData({ collection, amountText: fen ? formatFen(fen) : '', tmplIds,
          refundNotice: refund ? `您的上一笔订单（${collection.order.out_trade_no}）${refundText(refund)}。如需继续采集，请重新支付。` : '' });
      } catch (err) {
        // Shown by the client; the student can go back and retry.
      }
    },

    /** The tap: the 学信网 notice first when it applies, then the subscription, then the order. */
    pay() {
      const { paying, collection } = this.data;
      if (paying || !collection) return Promise.resolve();
      if (!collection.already_has_chsi_photo) return this.placeOrder(this.askSubscriptionOnce(), false);
      this.setData({ paying: true, stateText: '' });
      return new Promise((resolve) => {
        wx.showModal({
          title: '学信网已有照片',
          content: collection.notice || CHSI_NOTICE,
          // WeChat cuts modal button texts to 4 characters.
          confirmText: '继续支付',
          cancelText: '暂不支付',
          success: (res) => {
            if (!res.confirm) {
              this.setData({ paying: false });
              resolve();
              return;
            }
            // Still inside the student's gesture (the modal's confirm), so the panel can open.
            resolve(this.placeOrder(this.askSubscriptionOnce(), true));
          },
          fail: () => {
            this.setData({ paying: false });
            resolve();
          },
        });
      });
    },

    /** Asks once per visit, so a retry after a cancelled payment is not asked again. */
    askSubscriptionOnce() {
      if (this.data.subscribeAsked || !this.data.tmplIds.length) return Promise.resolve(null);
      this.setData({ subscribeAsked: true });
      return askSubscription(this.data.tmplIds);
    },

    async placeOrder(subscription, ackCHSIPhoto) {
      const api = getApp().api;
      this.setData({ paying: true, stateText: '' });
      const accepted = await subscription;
      if (accepted && accepted.length) {
        // Only a nicety: a lost answer must not stand between the student and paying.
        await api.setSubscription(this.data.id, accepted, { quiet: true }).catch(() => {});
      }
      try {
        const { order, pay_params: payParams } = await api.createOrder(
          this.data.id,
          Object.assign({ quiet: true }, ackCHSIPhoto ? { data: { ack_chsi_photo: true } } : {}),
        );
        this.setData({ amountText: formatFen(order.amount_fen) });
        if (order.status === 'paid') {
          // Paid already (e.g. on another try whose answer was lost): nothing to pay.
          this.setData({ paying: false });
          wx.redirectTo({ url: pageURL('review', { id: this.data.id }) });
          return;
        }
        const result = await requestPayment(payParams);
        this.setData({ paying: false });
        if (result.ok) {
          await this.confirmPayment();
        } else if (result.errMsg === CANCEL) {
          this.setData({ stateText: '您已取消支付，订单未支付，可随时重新支付。' });
          wx.showToast({ title: '已取消支付', icon: 'none' });
        } else {
          this.setData({ stateText: '支付未完成，请稍后重试。' });
          wx.showModal({ title: '支付未完成', content: '支付没有成功，请稍后重试；如已扣款请联系客服。', showCancel: false });
        }
      } catch (err) {
        this.setData({ paying: false });
        if (err && err.code === 'already_paid') {
          // Paid, the notification not yet applied: the review status says so, not an error.
          wx.redirectTo({ url: pageURL('review', { id: this.data.id }) });
          return;
        }
        getApp().api.showError(err);
        if (err && err.code === 'already_has_chsi_photo') {
          // The roster changed since the page loaded: the next tap shows the notice first.
          this.setData({ 'collection.already_has_chsi_photo': true, 'collection.notice': err.message });
        }
      }
    },

    /**
     * 支付确认中: reads the collection until the payment shows (each read lets the server
     * query WeChat Pay for the open order), then the review status. If it does not show
     * in time, the student stays here with a refresh, never sent back to pay again.
     */
    async confirmPayment() {
      const api = getApp().api;
      const { attempts, intervalMs } = Object.assign({ attempts: 8, intervalMs: 1500 }, getApp().config.payConfirm);
      this.setData({ confirming: true, unconfirmed: false, stateText: CONFIRMING });
      for (let i = 0; i < attempts; i++) {
        if (i > 0) await wait(intervalMs);
        const c = await api.getCollection(this.data.id, { quiet: true }).catch(() => null);
        if (c && (c.status !== 'photo_ok' || isPaid(c))) {
          this.setData({ confirming: false });
          wx.redirectTo({ url: pageURL('review', { id: this.data.id }) });
          return;
        }
      }
      this.setData({ unconfirmed: true, stateText: NOT_CONFIRMED });
    },

    onPullDownRefresh() {
      const done = this.data.confirming ? this.confirmPayment() : this.load();
      return done.then(() => wx.stopPullDownRefresh());
    },
  },
});
