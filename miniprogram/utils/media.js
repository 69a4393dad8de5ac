// Picking one image: from the album or camera (wx.chooseMedia) or from a chat
// (wx.chooseMessageFile, where studio photos and screenshots are often sent).
// Resolves the temp file path, or '' when the student cancels.

function chooseImage(source) {
  return new Promise((resolve) => {
    if (source === 'chat') {
      wx.chooseMessageFile({
        count: 1,
        type: 'image',
        success: (res) => resolve((res.tempFiles[0] && res.tempFiles[0].path) || ''),
        fail: () => resolve(''),
      });
      return;
    }
    wx.chooseMedia({
      count: 1,
      mediaType: ['image'],
      sourceType: ['album', 'camera'],
      // The original file: compression would change the bytes the photo checks judge.
      sizeType: ['original'],
      success: (res) => resolve((res.tempFiles[0] && res.tempFiles[0].tempFilePath) || ''),
      fail: () => resolve(''),
    });
  });
}

module.exports = { chooseImage };
