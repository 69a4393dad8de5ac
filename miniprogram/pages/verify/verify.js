// 信息校验: name, 学号 and phone (typed, or a getPhoneNumber code) are matched by the
// server against the school's roster: POST /api/v1/collections.
const { decodeQuery, pageURL } = require('../../utils/flow');
const { NOTICES } = require('../../utils/notices');

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
      // Refusal (no code) just leaves the typed phone as the way to go.
      if (e.detail && e.detail.code) this.setData({ phoneCode: e.detail.code, formError: '' });
    },

    async submit() {
      if (this.data.submitting) return;
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
