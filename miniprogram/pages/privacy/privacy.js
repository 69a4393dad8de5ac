// 隐私说明: what gradphoto collects and why (the same list as the 用户隐私保护指引
// filed in the admin console), and the link to WeChat's contract page.
const { COLLECTED } = require('../../utils/privacy');

Component({
  data: { collected: COLLECTED },

  methods: {
    openContract() {
      if (typeof wx.openPrivacyContract === 'function') wx.openPrivacyContract({ fail: () => {} });
    },
  },
});
