// 审计 (administrators): who did what, when, from where: logins, look-ups, photo
// views, decisions' side effects, imports, exports, refunds.
import { api, ADMIN } from './api.js';
import { h, clear, whenSeconds, ROLE } from './dom.js';

let alive = null;
export function stop() { alive = null; }

const ACTIONS = {
  staff_login: '登录', staff_login_failed: '登录失败', roster_import: '导入名单', export: '导出照片', lookup: '查询学生',
  photo_view: '查看照片', refund: '退款', refund_failed: '退款失败', school_create: '新建学校', school_update: '修改学校',
  phone_reveal: '查看完整手机号', result_resend: '重发审核结果', unbind: '解绑微信', roster_entry: '修改名单', student_list: '下载学生名单',
  reminders: '短信提醒', staff_create: '新建账号', staff_update: '修改账号',
};

export function render(root) {
  const token = {};
  alive = token;
  const action = h('select#audit-action', h('option', { value: '' }, '全部操作'),
    Object.entries(ACTIONS).map(([k, v]) => h('option', { value: k }, v)));
  const actor = h('input#audit-actor', { type: 'search', placeholder: '操作人', maxlength: 64 });
  const out = h('div#audit-list');
  let pageNo = 1;
  async function load() {
    const p = new URLSearchParams({ page: String(pageNo), page_size: '50' });
    if (action.value) p.set('action', action.value);
    if (actor.value.trim()) p.set('actor', actor.value.trim());
    try {
      const res = await api('GET', `${ADMIN}/audit?${p}`);
      if (alive !== token) return;
      const pages = Math.max(1, Math.ceil(res.total / res.page_size));
      clear(out).append(
        h('table.list', h('thead', h('tr', ...['时间', '操作人', '角色', '操作', '对象', '详情', '来源IP'].map((t) => h('th', t)))),
          h('tbody', res.entries.map((e) => h('tr',
            h('td.num', whenSeconds(e.at)), h('td', e.actor), h('td', ROLE[e.role] || e.role || '—'),
            h('td', ACTIONS[e.action] || e.action), h('td', e.target),
            h('td.detail', e.detail && Object.keys(e.detail).length ? JSON.stringify(e.detail) : ''), h('td', e.ip))))),
        h('p.pager', `共 ${res.total} 条 · 第 ${res.page}/${pages} 页 `,
          res.page > 1 ? h('button.link', { type: 'button', on: { click: () => { pageNo -= 1; load(); } } }, '上一页') : null, ' ',
          res.page < pages ? h('button.link', { type: 'button', on: { click: () => { pageNo += 1; load(); } } }, '下一页') : null));
    } catch (e) {
      if (alive === token) clear(out).append(h('p.error', e.message));
    }
  }
  root.append(h('h1', '审计'),
    h('form.inline', { on: { submit: (ev) => { ev.preventDefault(); pageNo = 1; load(); } } }, action, actor, h('button', { type: 'submit' }, '筛选')),
    out);
  load();
}
