// 账号 (administrators): staff accounts — create, change role or school, disable,
// reset a password. Any change ends the account's sessions; password hashes never
// leave the server. Every change is in the audit trail (server side).
import { api, ADMIN } from './api.js';
import { h, clear, toast, when, ROLE } from './dom.js';

let alive = null;
export function stop() { alive = null; }

export function render(root, session) {
  const token = {};
  alive = token;
  const list = h('div#staff-list');
  const load = async () => {
    try {
      const res = await api('GET', `${ADMIN}/staff`);
      if (alive !== token) return;
      showList(list, res.staff, session, load);
    } catch (e) {
      if (alive === token) clear(list).append(h('p.error', e.message));
    }
  };
  root.append(h('h1', '账号'), h('section.panel', h('h2', '新建账号'), createForm(load)), h('section.panel', h('h2', '全部账号'), list));
  load();
}

function roleSelect(id, value) {
  return h(`select${id ? `#${id}` : ''}`, Object.entries(ROLE).map(([k, v]) => h('option', { value: k, selected: k === value }, v)));
}

function createForm(done) {
  const username = h('input#staff-username', { required: true, maxlength: 64, placeholder: '用户名', autocomplete: 'off' });
  const role = roleSelect('staff-role', 'support');
  const school = h('input#staff-school', { maxlength: 40, placeholder: '学校编号（学校管理员必填）' });
  const password = h('input#staff-password', { type: 'password', required: true, minlength: 8, maxlength: 72, placeholder: '初始密码（8位以上）', autocomplete: 'new-password' });
  return h('form.inline#staff-create', {
    on: {
      submit: async (ev) => {
        ev.preventDefault();
        try {
          const res = await api('POST', `${ADMIN}/staff`, {
            json: { username: username.value.trim(), role: role.value, school_id: school.value.trim(), password: password.value },
          });
          toast(`已创建账号 ${res.staff.username}`);
          username.value = ''; password.value = ''; school.value = '';
          done();
        } catch (e) { toast(e.message, 'error'); }
      },
    },
  }, username, role, school, password, h('button.primary', { type: 'submit' }, '创建'));
}

function showList(el, staff, session, reload) {
  const patch = async (a, body, done) => {
    try {
      await api('PATCH', `${ADMIN}/staff/${a.id}`, { json: body });
      toast(done);
      reload();
    } catch (e) { toast(e.message, 'error'); }
  };
  clear(el).append(h('table.list',
    h('thead', h('tr', ...['用户名', '角色', '学校', '状态', '最近登录', '', ''].map((t) => h('th', t)))),
    h('tbody', staff.map((a) => {
      const role = roleSelect('', a.role);
      const school = h('input.staff-school', { value: a.school_id || '', maxlength: 40, size: 10 });
      const pw = h('input.staff-new-password', { type: 'password', minlength: 8, maxlength: 72, placeholder: '新密码', autocomplete: 'new-password', size: 10 });
      const self = a.username === session.username;
      return h('tr', { dataset: { username: a.username, disabled: String(a.disabled) } },
        h('td', a.username),
        h('td', role, ' ', school, ' ', h('button.link.save-role', {
          type: 'button',
          on: { click: () => patch(a, { role: role.value, school_id: role.value === 'school_admin' ? school.value.trim() : '' }, '角色已修改，该账号需重新登录') },
        }, '保存')),
        h('td', a.school_id || '—'),
        h('td', a.disabled ? h('span.bad', '已停用') : '正常'),
        h('td', a.last_login_at ? when(a.last_login_at) : '从未登录'),
        h('td', pw, ' ', h('button.link.reset-password', {
          type: 'button',
          on: {
            click: () => {
              if (pw.value.length < 8) { toast('新密码至少8位', 'error'); pw.focus(); return; }
              patch(a, { password: pw.value }, `已重置 ${a.username} 的密码，其登录已失效`);
            },
          },
        }, '重置密码')),
        h('td', self ? null : h(`button.toggle-disabled${a.disabled ? '' : '.danger'}`, {
          type: 'button',
          on: { click: () => patch(a, { disabled: !a.disabled }, a.disabled ? `已启用 ${a.username}` : `已停用 ${a.username}，其登录已失效`) },
        }, a.disabled ? '启用' : '停用')));
    }))));
}
