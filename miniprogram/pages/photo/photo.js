// 上传照片: the rules sit next to the picker; the server checks the photo at once
// (field `photo`). A rejection lists every failed check (details.checks) so the student
// fixes all at once; warnings are shown but let the photo through. After a review
// rejection this page takes the new photo back to review without a new payment.
// An accepted photo is shown as the standard photo the server cut from it (480×640,
// what the reviewer and 学信网 see), with 重新选择 and 使用此照片.
const { decodeQuery, nextPageFor } = require('../../utils/flow');
const { chooseImage } = require('../../utils/media');
const { NOTICES } = require('../../utils/notices');

function failed(checks, severity) {
  return (checks || []).filter((c) => c && c.passed === false && (!severity || c.severity === severity));
}

Component({
  data: {
    chsiNotice: NOTICES.chsiCompare,
    id: '',
    photoRules: [],
    reupload: false,
    reasons: [],
    filePath: '',
    uploading: false,
    progress: 0,
    rejectedMessage: '',
    rejectedChecks: [],
    accepted: false,
    standardPath: '',
    warningChecks: [],
    nextText: '下一步：支付',
    collection: null,
  },

  methods: {
    onLoad(options) {
      this.setData({ id: decodeQuery(options).id || '' });
      return Promise.all([this.loadRules(), this.loadCollection()]);
    },

    async loadRules() {
      try {
        const info = await getApp().api.getInfo();
        this.setData({ photoRules: info.photo_rules || [] });
      } catch (err) {
        // Rules are also in the instructions page; the upload still works without them.
      }
    },

    async loadCollection() {
      try {
        const c = await getApp().api.getCollection(this.data.id, { quiet: true });
        const reupload = c.status === 'rejected' || c.status === 'chsi_failed';
        let reasons = [];
        if (c.status === 'rejected' && c.review) reasons = c.review.reasons || [];
        if (c.status === 'chsi_failed' && c.chsi_reason) reasons = [`学信网比对未通过：${c.chsi_reason}`];
        this.setData({ reupload, reasons });
      } catch (err) {
        // The upload itself reports anything that matters.
      }
    },

    async chooseFromAlbum() {
      this.picked(await chooseImage('media'));
    },

    async chooseFromChat() {
      this.picked(await chooseImage('chat'));
    },

    picked(path) {
      if (path) this.setData({ filePath: path, rejectedMessage: '', rejectedChecks: [] });
    },

    previewLocal() {
      wx.previewImage({ urls: [this.data.filePath], current: this.data.filePath });
    },

    async upload() {
      if (!this.data.filePath || this.data.uploading) return;
      this.setData({ uploading: true, progress: 0, rejectedMessage: '', rejectedChecks: [] });
      try {
        const res = await getApp().api.uploadPhoto(this.data.id, this.data.filePath, {
          quiet: true,
          onProgress: (progress) => this.setData({ progress }),
        });
        const checks = res.checks || (res.collection.photo && res.collection.photo.checks) || [];
        this.setData({
          uploading: false,
          accepted: true,
          collection: res.collection,
          warningChecks: failed(checks, 'warning'),
          nextText: res.collection.status === 'photo_ok' ? '使用此照片，下一步：支付' : '使用此照片，提交审核',
        });
        await this.loadStandard();
      } catch (err) {
        this.setData({ uploading: false });
        if (err.code === 'photo_rejected') {
          this.setData({ rejectedMessage: err.message, rejectedChecks: failed(err.details.checks) });
        } else {
          getApp().api.showError(err);
        }
      }
    },

    async loadStandard() {
      try {
        const path = await getApp().api.downloadStandardPhoto(this.data.id, { quiet: true });
        this.setData({ standardPath: path });
      } catch (err) {
        // The photo is accepted either way; without the preview the student still goes on.
      }
    },

    previewStandard() {
      if (this.data.standardPath) wx.previewImage({ urls: [this.data.standardPath], current: this.data.standardPath });
    },

    next() {
      if (this.data.collection) wx.redirectTo({ url: nextPageFor(this.data.collection) });
    },

    change() {
      this.setData({ accepted: false, filePath: '', standardPath: '', warningChecks: [], progress: 0 });
    },
  },
});
