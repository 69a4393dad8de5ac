// 选择层次: 本科 / 专科, only those the chosen school offers, with the school's price
// (known before anything is uploaded) and the 学籍超期 notice.
const { decodeQuery, pageURL, formatFen } = require('../../utils/flow');
const { NOTICES } = require('../../utils/notices');

Component({
  data: { schoolId: '', schoolName: '', levels: [], priceText: '', overdueNotice: NOTICES.overdue },

  methods: {
    onLoad(options) {
      const q = decodeQuery(options);
      this.setData({
        schoolId: q.school_id || '',
        schoolName: q.school_name || '',
        levels: (q.levels || '').split(',').filter(Boolean),
      });
      return this.loadPrice();
    },

    async loadPrice() {
      if (!this.data.schoolId) return;
      try {
        const fen = await getApp().api.schoolPriceFen(this.data.schoolId, { quiet: true });
        if (fen > 0) this.setData({ priceText: formatFen(fen) });
      } catch (err) {
        // The pay page shows the amount again; the choice does not depend on it.
      }
    },

    choose(e) {
      wx.navigateTo({
        url: pageURL('verify', { school_id: this.data.schoolId, school_name: this.data.schoolName, level: e.currentTarget.dataset.level }),
      });
    },
  },
});
