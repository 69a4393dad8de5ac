// 信息校验: name, 学号 and phone (typed, or a getPhoneNumber code) are matched by the
// server against the school's roster: POST /api/v1/collections. A phone code is
// single-use and lives 5 minutes: the server spends it only once name and 学号 match, and
// the page drops it once spent (or too old), so a typo never locks the student out.
const { decodeQuery, pageURL } = require('../../utils/flow');
const { NOTICES } = require('../../utils/notices');
const { isPrivacyRefusal, PRIVACY_REFUSED } = require('../../utils/privacy');

const PHONE_RE = /^1\d{10}$/;

/** Returns the first problem with the form, in words, or ''. */
function formProblem({ name, studentNo, phone, phoneCode }) {
  if (!name.trim()) return '请输入姓名';
  if (!studentNo.trim()) return '请输入学号';
  if (!phoneCode && !PHONE_RE.test(phone.trim())) return '请输入11位手机号，或使用微信手机号';
  if (phone.trim() && !PHONE_RE.test(phone.trim())) return '手机号应为11位数字';
  return '';
}

Component({
  data: {
    ownDeviceNotice: NOTICES.ownDevice,
    schoolId: '',
    schoolName: '',
    level: '',
    name: '',
    studentNo: '',
    phone: '',
    phoneCode: '',
    phoneCodeAt: 0,
    phoneHint: '',
    formError: '',
    notFound: '',
    submitting: false,
  },

  methods: {
    onLoad(options) {
      const q = decodeQuery(options);
      this.setData({ schoolId: q.school_id || '', schoolName: q.school_name || '', level: q.level || '' });
    },

    onField(e) {
      this.setData({ [e.currentTarget.dataset.field]: e.detail.value, formError: '' });
    },

    onPhoneNumber(e) {
      const d = e.detail || {};
      if (d.code) {
        this.setData({ phoneCode: d.code, phoneCodeAt: Date.now(), phoneHint: '', formError: '' });
      } else if (isPrivacyRefusal(d)) {
        // Not a silent cancel: say what the refusal costs and what still works.
        this.setData({ phoneHint: PRIVACY_REFUSED.phone });
      }
      // Another refusal (no code) just leaves the typed phone as the way to go.
    },

    /** Forgets a phone code that was spent or has expired; hint says what to do next. */
    dropPhoneCode(hint) {
      this.setData({ phoneCode: '', phoneCodeAt: 0, phoneHint: hint });
    },

    async submit() {
      if (this.data.submitting) return;
      const life = getApp().config.phoneCodeLifeMs || 5 * 60 * 1000;
      if (this.data.phoneCode && Date.now() - this.data.phoneCodeAt >= life) {
        this.dropPhoneCode('微信手机号授权已过期，请重新点击“使用微信手机号”或手动输入。');
      }
      const problem = formProblem(this.data);
      if (problem) {
        this.setData({ formError: problem });
        return;
      }
      const body = {
        school_id: this.data.schoolId,
        level: this.data.level,
        name: this.data.name.trim(),
        student_no: this.data.studentNo.trim(),
      };
      if (this.data.phone.trim()) body.phone = this.data.phone.trim();
      if (this.data.phoneCode) body.phone_code = this.data.phoneCode;
      this.setData({ submitting: true, notFound: '', formError: '' });
      try {
        const collection = await getApp().api.createCollection(body, { quiet: true });
        this.setData({ submitting: false });
        wx.redirectTo({ url: pageURL('confirm', { id: collection.id }) });
      } catch (err) {
        this.setData({ submitting: false });
        if (body.phone_code && (err.code === 'phone_code_invalid' || (err.details && err.details.phone_code_used))) {
          // WeChat refuses a code the second time: never send it again.
          this.dropPhoneCode('微信手机号授权已使用，请重新点击“使用微信手机号”或手动输入。');
        }
        if (err.code === 'student_not_found') {
          this.setData({ notFound: err.message });
        } else {
          getApp().api.showError(err);
        }
      }
    },
  },
});

module.exports = { formProblem };
