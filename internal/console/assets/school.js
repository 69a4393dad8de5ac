// 学校: progress of one school (counts by status, overdue reviews), roster import with
// the row-error report, the student list, the export batches for 学信网 (download again,
// 已报送) and the import of 学信网's results with its row-error report.
// The student list can be filtered (also 未开始 and 未支付), downloaded as Excel, and
// reminded by SMS (at most once a day per student); one roster entry can be added or
// corrected without a file.
// A school administrator sees their own school; an administrator picks one.
import { api, ADMIN } from './api.js';
import { h, clear, toast, when, yuan, STATUS, BATCH_STATUS } from './dom.js';

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

  let byStatus = {};
  const cards = h('div.cards#stats');
  const showStats = () => {
    byStatus = stats.by_status || {};
    clear(cards).append(
      card('名单人数', stats.roster_total),
      ...Object.keys(STATUS).map((s) => card(STATUS[s], byStatus[s] || 0, s)),
      card('已收款', yuan(stats.paid_total_fen)),
      card('超时未审', stats.overdue_reviews == null ? '—' : stats.overdue_reviews, 'overdue', stats.overdue_reviews > 0));
  };
  showStats();
  // After an export, a batch marked 已报送 or 学信网's results the counts move.
  async function refreshStats() {
    try {
      stats = await api('GET', `${base}/stats`);
      if (alive !== token) return;
      showStats();
      updateExport();
    } catch (e) { toast(e.message, 'error'); }
  }

  // Roster import.
  const rosterReport = h('div#roster-report');
  const upload = uploadForm('roster-file', '名单文件（CSV 或 XLSX；列：姓名、学号、层次、手机号（可选）、已有学信网照片（可选））',
    '上传名单', rosterReport, async (fd) => {
      showImport(rosterReport, await api('POST', `${base}/roster`, { form: fd }));
      refreshStudents();
    });

  // 学信网's results.
  const chsiReport = h('div#chsi-report');
  const chsiUpload = uploadForm('chsi-file', '学信网比对结果（CSV 或 XLSX；列：学号、结果（通过/不通过）、原因）',
    '导入学信网结果', chsiReport, async (fd) => {
      showCHSIResults(chsiReport, await api('POST', `${base}/chsi-results`, { form: fd }));
      refreshBatches();
      refreshStudents();
      refreshStats();
    });

  // Export: a new batch.
  // A plain link: the browser streams the ZIP to disk (thousands of photos do not fit
  // in a page's memory) and sends the session cookie with it.
  const all = h('input#export-all', { type: 'checkbox' });
  const exportLink = h('a.button#export', { download: '' }, '导出新批次（ZIP）');
  const exportCount = h('span.muted#export-count');
  const delivered = ['exported', 'submitted', 'chsi_accepted'];
  const updateExport = () => {
    const n = (byStatus.approved || 0) + (all.checked ? delivered.reduce((sum, s) => sum + (byStatus[s] || 0), 0) : 0);
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
    if (!window.confirm('将生成一个新的导出批次（含采集码），照片标记为“已导出（学校整理报送中）”。继续吗？')) {
      ev.preventDefault();
      return;
    }
    // The download runs outside the page: show the new batch once the server made it.
    setTimeout(() => { refreshBatches(); refreshStats(); }, 1500);
  });

  // Batches: download again (the same bytes), mark as uploaded to 学信网.
  const batches = h('div#batches');
  async function refreshBatches() {
    try {
      const res = await api('GET', `${base}/batches`);
      if (alive !== token) return;
      showBatches(batches, res.batches, async (b) => {
        // eslint-disable-next-line no-alert
        if (!window.confirm(`确认第 ${b.id} 批（${b.count} 张）已上传到学信网？学生将看到“已报送学信网”。`)) return;
        try {
          await api('POST', `${ADMIN}/batches/${b.id}/submitted`);
          toast(`第 ${b.id} 批已标记为已报送`);
          refreshBatches();
          refreshStudents();
          refreshStats();
        } catch (e) { toast(e.message, 'error'); }
      });
    } catch (e) {
      clear(batches).append(h('p.error', e.message));
    }
  }

  // Students.
  const status = h('select#student-status', h('option', { value: '' }, '全部状态'),
    h('option', { value: 'unpaid' }, '未支付（已开始）'),
    Object.keys(STATUS).map((s) => h('option', { value: s }, STATUS[s])));
  // The Excel list follows the filter; a plain link, so the browser saves the file.
  const xlsx = h('a.button#students-xlsx', { download: '' }, '下载 Excel');
  const updateXLSX = () => { xlsx.href = `${base}/students.xlsx${status.value ? `?status=${encodeURIComponent(status.value)}` : ''}`; };
  status.addEventListener('change', updateXLSX);
  updateXLSX();
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
      showStudents(table, res, (n) => { pageNo = n; refreshStudents(); }, (st) => editor.fill(st));
    } catch (e) {
      clear(table).append(h('p.error', e.message));
    }
  }
  const filter = h('form.inline', { on: { submit: (ev) => { ev.preventDefault(); pageNo = 1; refreshStudents(); } } },
    status, q, h('button', { type: 'submit' }, '筛选'));

  const editor = studentEditor(base, () => refreshStudents());
  const reminders = reminderForm(base);
  clear(body).append(
    h('h2', `进度 · ${id}`), cards,
    h('section.panel', h('h2', '导入名单'), upload, rosterReport),
    h('section.panel', h('h2', '导出到学信网'), h('p', h('label', all, ' 包括已导出过的照片')), exportLink, exportCount,
      h('p.muted', '每次导出为一个批次：photos/<学号>.jpg（480×640 标准照）、manifest.csv 和 manifest.xlsx（含完整采集码），用于上传学信网。'),
      h('h3', '导出批次'), batches),
    h('section.panel', h('h2', '学信网比对结果'), chsiUpload, chsiReport,
      h('p.muted', '未通过的学生会收到短信，可免费重新上传照片；同一文件重复导入不会重复处理。')),
    h('section.panel', h('h2', '学生'), filter, h('p', xlsx), table),
    h('section.panel', h('h2', '添加或修改学生'), editor.form),
    h('section.panel', h('h2', '短信提醒'), reminders));
  refreshStudents();
  refreshBatches();
}

/** A file upload form: a file input, a submit button, and what onFile reports into report. */
function uploadForm(id, label, button, report, onFile) {
  const file = h(`input#${id}`, { type: 'file', accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', required: true });
  const form = h('form.upload', {
    on: {
      submit: async (ev) => {
        ev.preventDefault();
        if (!file.files.length) return;
        const fd = new FormData();
        fd.append('file', file.files[0]);
        const btn = form.querySelector('button');
        btn.disabled = true;
        clear(report).append(h('p.muted', '正在导入…'));
        try {
          await onFile(fd);
        } catch (e) {
          clear(report).append(h('p.error', e.message));
        } finally {
          btn.disabled = false;
        }
      },
    },
  }, h('label', { for: id }, label), file, h('button.primary', { type: 'submit' }, button));
  return form;
}

function showBatches(el, list, markSubmitted) {
  if (!list.length) {
    clear(el).append(h('p.muted', '还没有导出批次'));
    return;
  }
  clear(el).append(h('table.list#batch-list',
    h('thead', h('tr', ...['批次', '照片数', '状态', '导出人', '导出时间', '学信网结果', ''].map((t) => h('th', t)))),
    h('tbody', list.map((b) => h('tr', { dataset: { batch: b.id, status: b.status } },
      h('td.num', `第 ${b.id} 批`),
      h('td.num', b.skipped ? `${b.count}（${b.skipped} 张未导出）` : b.count),
      h('td.batch-status', BATCH_STATUS[b.status] || b.status,
        b.submitted_at ? h('span.muted', `（${b.submitted_by || ''} ${when(b.submitted_at)}）`) : null),
      h('td', b.created_by), h('td', when(b.created_at)),
      h('td', b.chsi_accepted || b.chsi_failed ? `通过 ${b.chsi_accepted} · 未通过 ${b.chsi_failed}` : '—'),
      h('td.batch-actions',
        h('a.button.download', { href: `${ADMIN}/batches/${b.id}/download`, download: '' }, '下载'),
        b.status === 'exported' ? h('button.submitted', { type: 'button', on: { click: () => markSubmitted(b) } }, '已报送') : null))))));
}

function card(label, value, key, alert) {
  return h(`div.card${alert ? '.alert' : ''}`, { dataset: key ? { status: key } : {} }, h('div.value', String(value)), h('div.label', label));
}

function showImport(report, res) {
  showRowErrors(report, 'roster', `新增 ${res.created} 人，更新 ${res.updated} 人，`, res.errors || []);
  if (!(res.errors || []).length) toast('名单已导入');
}

function showCHSIResults(report, res) {
  showRowErrors(report, 'chsi',
    `通过 ${res.accepted} 人，未通过 ${res.failed} 人（已短信通知），已登记过 ${res.unchanged} 人，`, res.errors || []);
  if (!(res.errors || []).length) toast('学信网结果已导入');
}

/** The summary of an import and the table of its bad rows (Excel row numbers). */
function showRowErrors(report, kind, summary, errors) {
  clear(report).append(
    h(`p.summary#${kind}-summary`, summary, errors.length ? h('strong.bad', `${errors.length} 行有问题`) : '没有错误行'),
    errors.length ? h(`table.row-errors#${kind === 'roster' ? 'row-errors' : 'chsi-errors'}`,
      h('thead', h('tr', h('th', '行号'), h('th', '问题'))),
      h('tbody', errors.map((e) => h('tr', h('td.num', e.row), h('td', e.message))))) : null);
}

/** Adds or corrects one roster entry (PUT …/students/{学号}); fill() loads a listed student. */
function studentEditor(base, done) {
  const no = h('input#edit-no', { required: true, maxlength: 32, placeholder: '学号' });
  const name = h('input#edit-name', { required: true, maxlength: 32, placeholder: '姓名' });
  const level = h('select#edit-level', h('option', { value: '本科' }, '本科'), h('option', { value: '专科' }, '专科'));
  const phone = h('input#edit-phone', { maxlength: 20, placeholder: '手机号（可选）' });
  const chsi = h('input#edit-chsi', { type: 'checkbox' });
  const form = h('form.inline#student-edit', {
    on: {
      submit: async (ev) => {
        ev.preventDefault();
        try {
          const res = await api('PUT', `${base}/students/${encodeURIComponent(no.value.trim())}`, {
            json: { name: name.value.trim(), level: level.value, phone: phone.value.trim(), has_chsi_photo: chsi.checked },
          });
          toast(`已保存：${res.student.name}（${res.student.student_no}）`);
          done();
        } catch (e) { toast(e.message, 'error'); }
      },
    },
  }, no, name, level, phone, h('label', chsi, ' 已有学信网照片'), h('button.primary', { type: 'submit' }, '保存'));
  return {
    form,
    fill(st) {
      no.value = st.student_no;
      name.value = st.name;
      level.value = st.level;
      phone.value = ''; // the list shows it masked: type the corrected number
      phone.placeholder = st.phone_masked ? `手机号（现为 ${st.phone_masked}，留空则清除）` : '手机号（可选）';
      chsi.checked = !!st.already_has_chsi_photo;
      phone.focus();
    },
  };
}

/** One SMS per student of a status who has a phone, at most once a day each. */
function reminderForm(base) {
  const status = h('select#remind-status',
    h('option', { value: 'not_started' }, '未开始采集的学生'), h('option', { value: 'unpaid' }, '未支付的学生'),
    h('option', { value: 'rejected' }, '照片未通过、待重新上传的学生'));
  const result = h('p#remind-result');
  return h('form.inline#reminders', {
    on: {
      submit: async (ev) => {
        ev.preventDefault();
        // eslint-disable-next-line no-alert
        if (!window.confirm(`向${status.selectedOptions[0].textContent}发送短信提醒？每人每天最多一条。`)) return;
        try {
          const res = await api('POST', `${base}/reminders`, { json: { status: status.value } });
          result.textContent = `已发送 ${res.sent} 条，跳过 ${res.skipped} 人（无手机号或今天已提醒）`;
        } catch (e) { toast(e.message, 'error'); }
      },
    },
  }, status, h('button.primary', { type: 'submit' }, '发送提醒'), result);
}

function showStudents(el, res, goto, edit) {
  const pages = Math.max(1, Math.ceil(res.total / res.page_size));
  clear(el).append(
    h('table.list', h('thead', h('tr', ...['学号', '姓名', '层次', '手机', '状态', '更新时间', ''].map((t) => h('th', t)))),
      h('tbody', res.students.map((s) => h('tr',
        h('td', s.student_no), h('td', s.name), h('td', s.level), h('td', s.phone_masked || '—'),
        h('td', STATUS[s.status] || s.status || '未开始',
          s.already_has_chsi_photo ? h('span.tag', '已有学信网照片') : null),
        h('td', when(s.updated_at)),
        h('td', h('button.link.edit', { type: 'button', on: { click: () => edit(s) } }, '修改')))))),
    h('p.pager', `共 ${res.total} 人 · 第 ${res.page}/${pages} 页 `,
      res.page > 1 ? h('button.link', { type: 'button', on: { click: () => goto(res.page - 1) } }, '上一页') : null, ' ',
      res.page < pages ? h('button.link', { type: 'button', on: { click: () => goto(res.page + 1) } }, '下一页') : null));
}
