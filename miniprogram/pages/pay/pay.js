// 支付: POST .../order, then wx.requestPayment with pay_params exactly as the server gave
// them. Success goes to the review status; a cancel leaves the student here to try again.
const { decodeQuery, pageURL, nextPageFor, formatFen } = require('../../utils/flow');

const CANCEL = 'requestPayment:fail cancel';

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
  data: { id: '', collection: null, amountText: '', paying: false, stateText: '' },

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
        this.setData({ collection, amountText: fen ? formatFen(fen) : '' });
      } catch (err) {
        // Shown by the client; the student can go back and retry.
      }
    },

    async pay() {
      if (this.data.paying) return;
      this.setData({ paying: true, stateText: '' });
      try {
        const { order, pay_params: payParams } = await getApp().api.createOrder(this.data.id);
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
          wx.redirectTo({ url: pageURL('review', { id: this.data.id }) });
        } else if (result.errMsg === CANCEL) {
          this.setData({ stateText: '您已取消支付，订单未支付，可随时重新支付。' });
          wx.showToast({ title: '已取消支付', icon: 'none' });
        } else {
          this.setData({ stateText: '支付未完成，请稍后重试。' });
          wx.showModal({ title: '支付未完成', content: '支付没有成功，请稍后重试；如已扣款请联系客服。', showCancel: false });
        }
      } catch (err) {
        // createOrder's error was shown by the client.
        this.setData({ paying: false });
      }
    },
  },
});
