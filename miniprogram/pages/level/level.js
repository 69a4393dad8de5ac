// 选择层次: 本科 / 专科, only those the chosen school offers.
const { decodeQuery, pageURL } = require('../../utils/flow');

Component({
  data: { schoolId: '', schoolName: '', levels: [] },

  methods: {
    onLoad(options) {
      const q = decodeQuery(options);
      this.setData({
        schoolId: q.school_id || '',
        schoolName: q.school_name || '',
        levels: (q.levels || '').split(',').filter(Boolean),
      });
    },

    choose(e) {
      wx.navigateTo({
        url: pageURL('verify', { school_id: this.data.schoolId, school_name: this.data.schoolName, level: e.currentTarget.dataset.level }),
      });
    },
  },
});
