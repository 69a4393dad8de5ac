// The privacy popup, on every page that uses personal-data APIs: opened by WeChat's
// wx.onNeedPrivacyAuthorization (utils/privacy.js). 同意 is the agreePrivacyAuthorization
// button WeChat requires; 拒绝 explains what cannot work without consent.
const privacy = require('../../utils/privacy');

// Each mounted popup's unsubscribe (component instances take no extra fields).
const unsubscribers = new WeakMap();

Component({
  data: { show: false, refused: false, refusedText: privacy.PRIVACY_REFUSED.general },

  lifetimes: {
    attached() {
      const off = privacy.subscribe(() => {
        this.setData({ show: true, refused: false });
        privacy.exposed();
      });
      unsubscribers.set(this, off);
    },
    detached() {
      const off = unsubscribers.get(this);
      if (off) off();
    },
  },

  methods: {
    onAgree(e) {
      privacy.agree((e && e.currentTarget && e.currentTarget.id) || 'agree-btn');
      this.setData({ show: false, refused: false });
    },

    onDisagree() {
      privacy.disagree();
      this.setData({ refused: true });
    },

    close() {
      this.setData({ show: false, refused: false });
    },

    openContract() {
      if (typeof wx.openPrivacyContract === 'function') wx.openPrivacyContract({ fail: () => {} });
    },

    openDetails() {
      wx.navigateTo({ url: '/pages/privacy/privacy' });
    },
  },
});
