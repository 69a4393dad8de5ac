// 登录/首页: logs in (through the client) and lists my collections with their status
// in words; each continues on the page its status calls for.
const { statusLabel, nextPageFor, PAGES } = require('../../utils/flow');

function actionText(c) {
  if (['in_review', 'approved', 'rejected', 'exported', 'submitted', 'chsi_accepted', 'chsi_failed'].includes(c.status)) return '查看审核状态';
  return '继续采集';
}

Component({
  data: {
    loading: true,
    error: '',
    collections: [],
  },

  methods: {
    onShow() {
      return this.load();
    },

    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },

    async load() {
      this.setData({ loading: true, error: '' });
      try {
        const list = await getApp().api.listCollections({ quiet: true });
        this.setData({
          loading: false,
          collections: list.map((c) => Object.assign({}, c, { statusText: statusLabel(c), actionText: actionText(c) })),
        });
      } catch (err) {
        this.setData({ loading: false, error: err.message || '加载失败，请下拉刷新重试' });
      }
    },

    continueCollection(e) {
      const c = this.data.collections.find((x) => x.id === e.currentTarget.dataset.id);
      if (c) wx.navigateTo({ url: nextPageFor(c) });
    },

    start() {
      wx.navigateTo({ url: PAGES.school });
    },
  },
});
