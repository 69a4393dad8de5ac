// The collection guide's notices (采集说明), one copy: the 采集说明 page lists them all,
// and each is repeated on the page where it applies.

const NOTICES = Object.freeze({
  // verify: who may operate
  ownDevice: '请使用本人手机、本人微信完成采集，不支持在电脑或平板上操作。',
  // photo: why the photo must be the student's own, recent one
  chsiCompare: '学信网会将照片与您的录取照片、身份证照片进行比对，比对不一致将影响学历注册。',
  // level: students whose 学籍 has run out
  overdue: '学籍超期的同学请自行决定是否参加本次采集。',
  // footer: what the hotline is for
  hotline: '客服电话仅解答采集操作等技术问题，学籍、学历等问题请咨询学校。',
});

/** All notices, in the guide's order. */
const ALL = Object.freeze([NOTICES.ownDevice, NOTICES.chsiCompare, NOTICES.overdue, NOTICES.hotline]);

module.exports = { NOTICES, ALL };
