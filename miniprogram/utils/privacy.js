// Privacy consent (用户隐私保护指引). Since base library 2.32.3 WeChat asks the
// mini-program, through wx.onNeedPrivacyAuthorization, before the first call of an API
// that touches personal data (getPhoneNumber, chooseMedia, chooseMessageFile,
// uploadFile of a chosen image …). The mounted privacy-consent component shows the
// popup; the student agrees with <button open-type="agreePrivacyAuthorization"> or refuses,
// and a refusal is explained, never a silent cancel.

// What gradphoto collects and why; the privacy page lists it and the 用户隐私保护指引
// filed in the admin console must say the same (README.md).
const COLLECTED = [
  { item: '姓名、学号、学历层次、学校', why: '与学校上传的毕业生名单核对身份，确认是本人采集' },
  { item: '手机号（手动输入或微信手机号）', why: '与名单核对身份，并以短信通知审核结果' },
  { item: '学信网图像采集码（截图中的二维码）', why: '学信网据此将照片与您的学籍对应，加密保存' },
  { item: '本人证件照（人脸照片）', why: '按学信网标准检查并人工审核后，由学校报送学信网' },
  { item: '微信身份标识（openid）与支付订单', why: '登录、收取采集费用、发送您同意接收的审核结果通知' },
];

// What cannot work without consent, said when the student refuses.
const PRIVACY_REFUSED = {
  general: '您未同意《用户隐私保护指引》，无法选择和上传采集码截图与照片，也无法获取微信手机号。可手动输入手机号完成信息校验；上传采集码和照片前需要同意。',
  phone: '您未同意《用户隐私保护指引》，无法获取微信手机号，请手动输入手机号。',
  image: '您未同意《用户隐私保护指引》，无法选择图片，也就无法上传采集码和照片。请在弹窗中点击“同意”后重试。',
};

/** True for the failure of an API call the student refused consent for (errno 104). */
function isPrivacyRefusal(res) {
  if (!res) return false;
  return res.errno === 104 || /privacy/i.test(res.errMsg || '');
}

const listeners = new Set();
let pending = null;

/** The wx.onNeedPrivacyAuthorization listener: hands the request to the popup. */
function onNeed(resolve, eventInfo) {
  pending = { resolve, referrer: (eventInfo && eventInfo.referrer) || '' };
  if (!listeners.size) {
    // No page can show the popup: refuse now rather than hang the API call.
    answer({ event: 'disagree' });
    return;
  }
  listeners.forEach((fn) => fn(pending.referrer));
}

function answer(res) {
  if (!pending) return;
  const { resolve } = pending;
  pending = null;
  resolve(res);
}

/** A popup subscribes while mounted; fn(referrer) opens it. Returns the unsubscribe. */
function subscribe(fn) {
  listeners.add(fn);
  if (pending) fn(pending.referrer);
  return () => listeners.delete(fn);
}

module.exports = {
  COLLECTED,
  PRIVACY_REFUSED,
  isPrivacyRefusal,
  subscribe,
  /** Registers the listener (app launch); absent before base library 2.32.3. */
  install(wxApi) {
    if (wxApi && typeof wxApi.onNeedPrivacyAuthorization === 'function') wxApi.onNeedPrivacyAuthorization(onNeed);
  },
  /** The popup is on screen (WeChat wants to know, for its own timeout). */
  exposed: () => pending && pending.resolve({ event: 'exposureAuthorization' }),
  agree: (buttonId) => answer({ buttonId, event: 'agree' }),
  disagree: () => answer({ event: 'disagree' }),
  pending: () => !!pending,
};
