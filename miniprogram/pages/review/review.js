// 审核状态: 审核中 / 审核失败 (reasons, 重新上传 without a new payment) / 审核成功 (查看照片:
// the approved photo downloaded with the session header and previewed).
const { decodeQuery, pageURL, nextPageFor, isPaid, statusLabel, PAGES } = require('../../utils/flow');

/** pending | rejected | approved, or '' when the collection has not reached review. */
function reviewState(c) {
  if (c.status === 'approved' || c.status === 'exported') return 'approved';
  if (c.status === 'rejected') return 'rejected';
  if (c.status === 'in_review' || (c.status === 'photo_ok' && isPaid(c))) return 'pending';
  return '';
}

Component({
  data: { id: '', loading: true, state: '', stateText: '', reasons: [], downloading: false },

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
        this.setData({
          loading: false,
          state,
          stateText: statusLabel(c),
          reasons: state === 'rejected' && c.review ? c.review.reasons || [] : [],
        });
      } catch (err) {
        this.setData({ loading: false });
      }
    },

    reupload() {
      wx.navigateTo({ url: pageURL('photo', { id: this.data.id }) });
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
