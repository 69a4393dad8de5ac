// 学校: progress of one school (counts by status, overdue reviews), roster import with
// the row-error report, the student list, the export of approved photos.
// A school administrator sees their own school; an administrator picks one.
import { api, ADMIN } from './api.js';
import { h, clear, toast, when, yuan, STATUS } from './dom.js';

let alive = null;
export function stop() { alive = null; }

export function render(root, session) {
  const token = {};
  alive = token;
  const body = h('div#school-body');
  root.append(h('h1', '学校'));
  if (session.school_id) {
    root.append(body);
    showSchool(body, session.school_id, token);
    return;
  }
  // Administrator: search a school by name (the public school search).
  const q = h('input#school-q', { type: 'search', placeholder: '输入学校名称、简称或拼音首字母', maxlength: 40 });
  const list = h('ul.picks');
  const form = h('form.inline', {
    on: {
      submit: async (ev) => {
        ev.preventDefault();
        try {
          const res = await api('GET', `/api/v1/schools?q=${encodeURIComponent(q.value)}&limit=20`);
          clear(list);
          for (const s of res.schools) {
            list.append(h('li', h('button.link', { type: 'button', on: { click: () => { clear(list); showSchool(body, s.id, token); } } },
              `${s.name}（${s.id}）`)));
          }
          if (!res.schools.length) list.append(h('li.muted', '没有找到学校'));
        } catch (e) { toast(e.message, 'error'); }
      },
    },
  }, h('label', { for: 'school-q' }, '选择学校'), q, h('button', { type: 'submit' }, '搜索'));
  root.append(form, list, body);
  q.focus();
}

async function showSchool(body, id, token) {
  clear(body).append(h('p.muted', '正在加载…'));
  const base = `${ADMIN}/schools/${encodeURIComponent(id)}`;
  let stats;
  try {
    stats = await api('GET', `${base}/stats`);
  } catch (e) {
    if (alive === token) clear(body).append(h('p.error', e.message));
    return;
  }
  if (alive !== token) return;

  const byStatus = stats.by_status || {};
  const cards = h('div.cards#stats',
    card('名单人数', stats.roster_total),
    ...Object.keys(STATUS).map((s) => card(STATUS[s], byStatus[s] || 0, s)),
    card('已收款', yuan(stats.paid_total_fen)),
    card('超时未审', stats.overdue_reviews == null ? '—' : stats.overdue_reviews, 'overdue', stats.overdue_reviews > 0));

  // Roster import.
  const file = h('input#roster-file', { type: 'file', accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', required: true });
  const report = h('div#roster-report');
  const upload = h('form.upload', {
    on: {
      submit: async (ev) => {
        ev.preventDefault();
        if (!file.files.length) return;
        const fd = new FormData();
        fd.append('file', file.files[0]);
        const btn = upload.querySelector('button');
        btn.disabled = true;
        clear(report).append(h('p.muted', '正在导入…'));
        try {
          const res = await api('POST', `${base}/roster`, { form: fd });
          showImport(report, res);
          refreshStudents();
        } catch (e) {
          clear(report).append(h('p.error', e.message));
        } finally {
          btn.disabled = false;
        }
      },
    },
  }, h('label', { for: 'roster-file' }, '名单文件（CSV 或 XLSX；列：姓名、学号、层次、手机号（可选）、已有学信网照片（可选））'), file,
  h('button.primary', { type: 'submit' }, '上传名单'));

  // Export.
  // A plain link: the browser streams the ZIP to disk (thousands of photos do not fit
  // in a page's memory) and sends the session cookie with it.
  const all = h('input#export-all', { type: 'checkbox' });
  const exportLink = h('a.button#export', { download: '' }, '导出已通过的照片（ZIP）');
  const exportCount = h('span.muted#export-count');
  const updateExport = () => {
    const n = (byStatus.approved || 0) + (all.checked ? byStatus.exported || 0 : 0);
    exportCount.textContent = ` 本次将导出 ${n} 张`;
    exportLink.href = `${base}/export${all.checked ? '?all=1' : ''}`;
    exportLink.classList.toggle('disabled', n === 0);
  };
  all.addEventListener('change', updateExport);
  updateExport();
  exportLink.addEventListener('click', (ev) => {
    if (exportLink.classList.contains('disabled')) {
      ev.preventDefault();
      toast('没有可导出的照片', 'error');
      return;
    }
    // eslint-disable-next-line no-alert
    if (!window.confirm('导出后这些照片会标记为“已导出”。继续吗？')) ev.preventDefault();
  });

  // Students.
  const status = h('select#student-status', h('option', { value: '' }, '全部状态'),
    Object.keys(STATUS).map((s) => h('option', { value: s }, STATUS[s])));
  const q = h('input#student-q', { type: 'search', placeholder: '姓名或学号', maxlength: 40 });
  const table = h('div#students');
  let pageNo = 1;
  async function refreshStudents() {
    const params = new URLSearchParams({ page: String(pageNo), page_size: '20' });
    if (status.value) params.set('status', status.value);
    if (q.value.trim()) params.set('q', q.value.trim());
    try {
      const res = await api('GET', `${base}/students?${params}`);
      if (alive !== token) return;
      showStudents(table, res, (n) => { pageNo = n; refreshStudents(); });
    } catch (e) {
      clear(table).append(h('p.error', e.message));
    }
  }
  const filter = h('form.inline', { on: { submit: (ev) => { ev.preventDefault(); pageNo = 1; refreshStudents(); } } },
    status, q, h('button', { type: 'submit' }, '筛选'));

  clear(body).append(
    h('h2', `进度 · ${id}`), cards,
    h('section.panel', h('h2', '导入名单'), upload, report),
    h('section.panel', h('h2', '导出'), h('p', h('label', all, ' 包括已导出过的照片')), exportLink, exportCount,
      h('p.muted', '文件内为 <学号>.jpg（480×640）和 manifest.csv，用于上传学信网。')),
    h('section.panel', h('h2', '学生'), filter, table));
  refreshStudents();
}

function card(label, value, key, alert) {
  return h(`div.card${alert ? '.alert' : ''}`, { dataset: key ? { status: key } : {} }, h('div.value', String(value)), h('div.label', label));
}

function showImport(report, res) {
  const errors = res.errors || [];
  clear(report).append(
    h('p.summary#roster-summary', `新增 ${res.created} 人，更新 ${res.updated} 人，`,
      errors.length ? h('strong.bad', `${errors.length} 行有问题`) : '没有错误行'),
    errors.length ? h('table.row-errors#row-errors',
      h('thead', h('tr', h('th', '行号'), h('th', '问题'))),
      h('tbody', errors.map((e) => h('tr', h('td.num', e.row), h('td', e.message))))) : null);
  if (!errors.length) toast('名单已导入');
}

function showStudents(el, res, goto) {
  const pages = Math.max(1, Math.ceil(res.total / res.page_size));
  clear(el).append(
    h('table.list', h('thead', h('tr', ...['学号', '姓名', '层次', '手机', '状态', '更新时间'].map((t) => h('th', t)))),
      h('tbody', res.students.map((s) => h('tr',
        h('td', s.student_no), h('td', s.name), h('td', s.level), h('td', s.phone_masked || '—'),
        h('td', STATUS[s.status] || s.status || '未开始',
          s.already_has_chsi_photo ? h('span.tag', '已有学信网照片') : null),
        h('td', when(s.updated_at)))))),
    h('p.pager', `共 ${res.total} 人 · 第 ${res.page}/${pages} 页 `,
      res.page > 1 ? h('button.link', { type: 'button', on: { click: () => goto(res.page - 1) } }, '上一页') : null, ' ',
      res.page < pages ? h('button.link', { type: 'button', on: { click: () => goto(res.page + 1) } }, '下一页') : null));
}
