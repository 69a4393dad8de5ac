// 上传采集码: the screenshot of the 学信网 图像采集码 is uploaded (field `image`); the server
// decodes the QR and answers the masked code, which the student confirms before going on.
const { decodeQuery, pageURL } = require('../../utils/flow');
const { chooseImage } = require('../../utils/media');

// Errors about the picture itself stay on the page next to the picker.
const INLINE_CODES = ['qr_not_found', 'qr_invalid', 'code_in_use', 'invalid_input'];

Component({
  data: { id: '', filePath: '', uploading: false, progress: 0, masked: '', error: '' },

  methods: {
    onLoad(options) {
      this.setData({ id: decodeQuery(options).id || '' });
    },

    async chooseFromAlbum() {
      this.picked(await chooseImage('media'));
    },

    async chooseFromChat() {
      this.picked(await chooseImage('chat'));
    },

    picked(path) {
      if (path) this.setData({ filePath: path, error: '' });
    },

    previewLocal() {
      wx.previewImage({ urls: [this.data.filePath], current: this.data.filePath });
    },

    async upload() {
      if (!this.data.filePath || this.data.uploading) return;
      this.setData({ uploading: true, progress: 0, error: '' });
      try {
        const collection = await getApp().api.uploadCaptureCode(this.data.id, this.data.filePath, {
          quiet: true,
          onProgress: (progress) => this.setData({ progress }),
        });
        const masked = (collection.capture_code && collection.capture_code.masked) || '';
        this.setData({ uploading: false, masked });
      } catch (err) {
        this.setData({ uploading: false });
        if (INLINE_CODES.includes(err.code)) this.setData({ error: err.message });
        else getApp().api.showError(err);
      }
    },

    confirmCode() {
      wx.redirectTo({ url: pageURL('photo', { id: this.data.id }) });
    },

    retry() {
      this.setData({ masked: '', filePath: '', progress: 0 });
    },
  },
});
