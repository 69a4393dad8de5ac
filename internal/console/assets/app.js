// The console shell: session, role-based menu, hash routes, login and logout.
// The menu lists the pages the server says this role may open (GET /console/session);
// the API behind each page checks the role again on every request.
import { api, setCSRF, onUnauthorized, ApiError } from './api.js';
import { h, clear, toast, ROLE } from './dom.js';
import * as review from './review.js';
import * as school from './school.js';
import * as lookup from './lookup.js';
import * as audit from './audit.js';
import * as staff from './staff.js';

const PAGES = {
  review: { title: '审核', module: review },
  school: { title: '学校', module: school },
  lookup: { title: '查询', module: lookup },
  audit: { title: '审计', module: audit },
  staff: { title: '账号', module: staff },
};

const view = document.getElementById('view');
const topbar = document.querySelector('.topbar');
let session = null;
let current = null; // the page module on screen, so it can be stopped

function stopCurrent() {
  if (current && current.stop) current.stop();
  current = null;
}

function showLogin(message) {
  stopCurrent();
  session = null;
  setCSRF('');
  topbar.hidden = true;
  const err = h('p.error', { role: 'alert', hidden: !message }, message || '');
  const user = h('input#username', { name: 'username', autocomplete: 'username', required: true, maxlength: 64 });
  const pass = h('input#password', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 128 });
  const submit = h('button.primary', { type: 'submit' }, '登录');
  const form = h('form.login', {
    on: {
      submit: async (ev) => {
        ev.preventDefault();
        submit.disabled = true;
        err.hidden = true;
        try {
          const s = await api('POST', '/console/login', { json: { username: user.value, password: pass.value }, quiet401: true });
          start(s);
        } catch (e) {
          err.textContent = e instanceof ApiError ? e.message : '登录失败';
          err.hidden = false;
          pass.value = '';
          pass.focus();
        } finally {
          submit.disabled = false;
        }
      },
    },
  },
  h('h1', '工作台登录'),
  h('label', { for: 'username' }, '用户名'), user,
  h('label', { for: 'password' }, '密码'), pass,
  err, submit);
  clear(view).append(form);
  user.focus();
}

function start(s) {
  session = s;
  setCSRF(s.csrf_token);
  topbar.hidden = false;
  document.getElementById('who').textContent = `${s.username}（${ROLE[s.role] || s.role}）`;
  const menu = clear(document.getElementById('menu'));
  for (const id of s.pages) {
    menu.append(h('a', { href: `#/${id}`, dataset: { page: id } }, PAGES[id].title));
  }
  route();
}

function route() {
  if (!session) return;
  const want = (location.hash.match(/^#\/(\w+)/) || [])[1];
  const id = session.pages.includes(want) ? want : session.pages[0];
  if (!id) {
    clear(view).append(h('p.empty', '您的账号没有可用的页面，请联系管理员。'));
    return;
  }
  if (want !== id) {
    history.replaceState(null, '', `#/${id}`);
  }
  for (const a of document.querySelectorAll('#menu a')) {
    a.classList.toggle('active', a.dataset.page === id);
    if (a.dataset.page === id) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  stopCurrent();
  document.title = `${PAGES[id].title} · 毕业照片采集工作台`;
  current = PAGES[id].module;
  clear(view);
  current.render(view, session);
}

window.addEventListener('hashchange', route);
onUnauthorized.addEventListener('unauthorized', () => showLogin('登录已过期，请重新登录'));

document.getElementById('logout').addEventListener('click', async () => {
  try {
    await api('POST', '/console/logout');
  } catch (e) {
    toast(e.message, 'error');
    return;
  }
  history.replaceState(null, '', '#/');
  showLogin('');
});

(async () => {
  try {
    start(await api('GET', '/console/session', { quiet401: true }));
  } catch (e) {
    showLogin(e.status === 401 || e.status === 403 ? '' : e.message);
  }
})();
