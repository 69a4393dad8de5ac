// 采集说明: the rules and instructions from GET /api/v1/info and the guide's notices
// (utils/notices.js); 我知道了 goes on to the capture-code upload.
const { decodeQuery, pageURL } = require('../../utils/flow');
const notices = require('../../utils/notices');

Component({
  data: { id: '', instructions: [], photoRules: [], notices: notices.ALL, loading: true },

  methods: {
    onLoad(options) {
      this.setData({ id: decodeQuery(options).id || '' });
      return this.load();
    },

    async load() {
      try {
        const info = await getApp().api.getInfo({ quiet: false });
        this.setData({
          instructions: info.instructions || [],
          photoRules: info.photo_rules || [],
          loading: false,
        });
      } catch (err) {
        // The student can still go on; the rules are shown again next to the pickers.
        this.setData({ loading: false });
      }
    },

    understood() {
      wx.redirectTo({ url: pageURL('capture', { id: this.data.id }) });
    },
  },
});
