// Support phone and hours shown at the bottom of every page: the defaults at once,
// then what GET /api/v1/info says (cached by the client).
const config = require('../../utils/config');
const { NOTICES } = require('../../utils/notices');

Component({
  data: {
    hotlineNotice: NOTICES.hotline,
    phone: config.support.phone,
    hours: config.support.hours,
  },

  lifetimes: {
    attached() {
      this.load();
    },
  },

  methods: {
    load() {
      // Quiet: a footer never interrupts the student with an error; the defaults stay.
      return getApp()
        .api.getInfo({ quiet: true })
        .then((info) => this.setData({ phone: info.support_phone, hours: info.support_hours }))
        .catch(() => {});
    },

    call() {
      wx.makePhoneCall({ phoneNumber: this.data.phone.replace(/[^0-9-]/g, ''), fail: () => {} });
    },
  },
});
