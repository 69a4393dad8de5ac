// Picking one image: from the album or camera (wx.chooseMedia) or from a chat
// (wx.chooseMessageFile, where studio photos and screenshots are often sent).
// Resolves the temp file path, or '' when the student cancels or the file cannot be
// sent. Checked here, before any upload: the type (JPEG or PNG; Android hands over
// HEIC and other formats the server cannot read) and the size (the server's 10 MB), so
// a student on a slow network is not made to wait for a refusal. A privacy refusal is
// explained, not taken for a cancel.
const { isPrivacyRefusal, PRIVACY_REFUSED } = require('./privacy');

const DEFAULT_LIMITS = { maxBytes: 10 * 1024 * 1024, extensions: ['jpg', 'jpeg', 'png'] };

function extensionOf(name) {
  const m = /\.([A-Za-z0-9]+)$/.exec(name || '');
  return m ? m[1].toLowerCase() : '';
}

/** The problem with a chosen file, in words, or '' when it can be uploaded. */
function fileProblem(file, limits) {
  const { maxBytes, extensions } = Object.assign({}, DEFAULT_LIMITS, limits);
  const ext = extensionOf(file.name) || extensionOf(file.path);
  if (ext && !extensions.includes(ext)) {
    const heic = ext === 'heic' || ext === 'heif';
    return heic
      ? '该图片是 HEIC 格式，无法上传。请在相册中将其导出为 JPG（或截图后上传），iPhone 可在 设置 → 相机 → 格式 中选择“兼容性最佳”。'
      : `不支持 ${ext.toUpperCase()} 格式的图片，请选择 JPG 或 PNG 图片。`;
  }
  if (typeof file.size === 'number' && file.size > maxBytes) {
    const mb = Math.round(maxBytes / 1024 / 1024);
    return `图片超过 ${mb}MB，无法上传。请选择原图小于 ${mb}MB 的图片。`;
  }
  return '';
}

function explain(content) {
  return new Promise((resolve) => {
    wx.showModal({ title: '无法使用该图片', content, showCancel: false, confirmText: '知道了', complete: () => resolve() });
  });
}

function limitsFromApp() {
  try {
    return getApp().config.upload;
  } catch (e) {
    return undefined;
  }
}

function chooseImage(source) {
  return new Promise((resolve) => {
    const done = (file) => {
      if (!file || !file.path) return resolve('');
      const problem = fileProblem(file, limitsFromApp());
      if (problem) return explain(problem).then(() => resolve(''));
      return resolve(file.path);
    };
    const failed = (res) => {
      if (isPrivacyRefusal(res)) return explain(PRIVACY_REFUSED.image).then(() => resolve(''));
      return resolve('');
    };
    if (source === 'chat') {
      wx.chooseMessageFile({
        count: 1,
        type: 'image',
        success: (res) => {
          const f = res.tempFiles[0];
          done(f && { path: f.path, name: f.name, size: f.size });
        },
        fail: failed,
      });
      return;
    }
    wx.chooseMedia({
      count: 1,
      mediaType: ['image'],
      sourceType: ['album', 'camera'],
      // The original file: compression would change the bytes the photo checks judge.
      sizeType: ['original'],
      success: (res) => {
        const f = res.tempFiles[0];
        done(f && { path: f.tempFilePath, size: f.size });
      },
      fail: failed,
    });
  });
}

module.exports = { chooseImage, fileProblem };
