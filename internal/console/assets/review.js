// 审核: claim the oldest pending photo, judge it against the machine checks and the
// reviewer's checklist (photo-spec.md), decide, or put it back for a colleague. Keys: N next,
// A approve, R reject, S put back, 1–9 and 0 toggle reasons, O toggles the overlay.
import { api, ADMIN, serverNow } from './api.js';
import { h, svg, clear, toast, when } from './dom.js';

// Student-facing rule of each machine check (photo-spec.md), in the reviewer's words.
const CHECK_LABEL = {
  format_jpeg: '格式为JPG', file_size: '文件大小', dimensions: '照片尺寸', aspect_ratio: '宽高比3:4',
  color_mode: '彩色照片', single_face: '单人正面照', face_frontal: '正面，不侧脸', face_centered: '头部居中',
  face_width: '头部大小', head_top: '头顶位置', eye_line: '眼睛位置', head_height: '头部高度',
  eyes_open: '双眼睁开', eyes_level: '平视，不歪头', background_blue: '蓝色背景', background_uniform: '背景均匀',
  clothing_contrast: '衣着与背景区分', sharpness: '图像清晰', exposure: '光线均匀', shoulders_level: '两肩同高',
  glasses_glare: '眼镜不反光', not_edited: '未经修图', mouth_closed: '嘴唇闭合',
};

// The standard's bands on a 480 × 640 photo (photo-spec.md), as fractions of the height.
const EYE_BAND = [200 / 640, 300 / 640];
const HEAD_TOP_BAND = [50 / 640, 110 / 640];

let page = null; // state of the page on screen; null once stopped

export function stop() {
  if (!page) return;
  clearInterval(page.timer);
  document.removeEventListener('keydown', page.onKey);
  page = null;
}

export function render(root, session) {
  stop();
  const p = {
    root, sandbox: !!session.sandbox, task: null, reasons: [], selected: new Set(), busy: false, overlay: true, timer: 0,
    onKey: (ev) => onKey(p, ev),
  };
  page = p;
  document.addEventListener('keydown', p.onKey);
  showIdle(p, '点击“领取下一张”开始审核。');
}

function showIdle(p, text) {
  p.task = null;
  clearInterval(p.timer);
  const next = h('button.primary#claim', { type: 'button', on: { click: () => claim(p) } }, '领取下一张', h('kbd', 'N'));
  const demo = p.sandbox ? h('p.demo', h('button.secondary#demo-queue', { type: 'button', on: { click: () => demoQueue(p) } },
    '放入两张示例照片'), h('span.muted', '（开发沙箱：示例学生走完上传、检查和支付，进入审核队列）')) : null;
  clear(p.root).append(h('section.review-idle',
    h('h1', '审核'),
    h('p.empty#queue-state', text),
    next,
    demo,
    shortcutsHelp()));
  next.focus();
}

function shortcutsHelp() {
  return h('p.muted.shortcuts', '快捷键：', h('kbd', 'N'), ' 领取 · ', h('kbd', 'A'), ' 通过 · ',
    h('kbd', 'R'), ' 不通过 · ', h('kbd', 'S'), ' 放回队列 · ', h('kbd', '1'), '–', h('kbd', '9'), h('kbd', '0'), ' 勾选原因 · ', h('kbd', 'O'), ' 显示/隐藏标注 · ', h('kbd', 'V'), ' 标准照/原图。',
    '提交结论后自动领取下一张。');
}

async function claim(p) {
  if (p.busy) return;
  p.busy = true;
  try {
    const res = await api('POST', `${ADMIN}/reviews/claim`);
    if (page !== p) return;
    if (!res) {
      showIdle(p, '审核队列已清空，暂时没有待审核的照片。');
      return;
    }
    showTask(p, res.review);
  } catch (e) {
    if (page === p) toast(e.message, 'error');
  } finally {
    p.busy = false;
  }
}

async function demoQueue(p) {
  if (p.busy) return;
  p.busy = true;
  const btn = document.getElementById('demo-queue');
  btn.disabled = true;
  btn.textContent = '正在生成（约需数秒）…';
  try {
    const res = await api('POST', '/console/sandbox/demo-queue');
    toast(`已放入 ${res.queued} 张示例照片`);
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    p.busy = false;
  }
  if (page === p) await claim(p);
}

function showTask(p, task) {
  p.task = task;
  p.reasons = task.reasons_checklist || [];
  p.selected = new Set();
  const col = task.collection;

  const countdown = h('span#lease', '');
  const photo = photoWithOverlay(task, p);
  const checks = checksTable(task.checks || []);
  const reasonList = h('ol.reasons#reasons', p.reasons.map((r, i) => {
    const key = i < 9 ? String(i + 1) : i === 9 ? '0' : '';
    const box = h('input', { type: 'checkbox', id: `reason-${i}`, value: r,
      on: { change: () => { if (box.checked) p.selected.add(r); else p.selected.delete(r); } } });
    return h('li', h('label', { for: `reason-${i}` }, box, key ? h('kbd', key) : null, ' ', r));
  }));
  const note = h('textarea#note', { rows: 2, maxlength: 200, placeholder: '补充说明（可选，会发给学生）' });
  p.note = note;
  const approve = h('button.approve#approve', { type: 'button', on: { click: () => decide(p, 'approve') } }, '通过', h('kbd', 'A'));
  const reject = h('button.reject#reject', { type: 'button', on: { click: () => decide(p, 'reject') } }, '不通过', h('kbd', 'R'));
  const putBack = h('button.secondary#release', { type: 'button', title: '不作结论，交给其他审核员', on: { click: () => release(p) } },
    '放回队列', h('kbd', 'S'));

  // The reviewer judges the standard photo (what 学信网 receives); V shows the upload as sent.
  p.original = false;
  const toggle = task.original_photo_url
    ? h('button.secondary#photo-toggle', { type: 'button', on: { click: () => toggleOriginal(p) } }, '看原图', h('kbd', 'V'))
    : null;
  clear(p.root).append(h('section.review',
    h('div.photo-col', photo, toggle,
      h('p.legend', h('span.sw.face', ''), '人脸框 ', h('span.sw.eye', ''), '眼睛连线 ', h('span.sw.band', ''), '两侧绿条：标准区间（眼睛 200–300 px，头顶 50–110 px / 640） ', h('span.sw.line', ''), '头顶/下巴')),
    h('div.side',
      h('div.who-card',
        h('h1', col.name, ' ', h('span.muted', col.student_no)),
        h('p', `${col.school?.name || ''} · ${col.level}`),
        h('p.meta', `第 ${task.round} 轮 · 支付于 ${when(task.paid_at)} · 须在 ${when(task.deadline)} 前审核`),
        h('p.lease', '领取剩余时间 ', countdown)),
      h('h2', '机器检查'), checks,
      h('h2', '人工审核要点（不通过时勾选原因）'), reasonList, note,
      // A reload finds the held task again; "放回队列" is the way to give it up undecided.
      h('div.actions', approve, reject, putBack),
      shortcutsHelp())));

  const expires = task.lease_expires_at ? new Date(task.lease_expires_at).getTime() : 0;
  const tick = () => {
    const left = Math.max(0, Math.round((expires - serverNow()) / 1000));
    countdown.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    countdown.className = left <= 60 ? 'urgent' : '';
    if (left === 0 && page === p) {
      // The task is back in the queue (the server refuses a late decision anyway).
      showIdle(p, '领取已超时，该照片已回到队列。按 N 重新领取。');
    }
  };
  clearInterval(p.timer);
  if (expires) {
    tick();
    p.timer = setInterval(tick, 1000);
  }
  approve.focus();
}

// toggleOriginal swaps the standard photo for the original upload and back; the
// overlay is drawn in the standard photo's pixels, so it is hidden on the original.
function toggleOriginal(p) {
  const img = document.getElementById('photo');
  const wrap = document.querySelector('.photo-wrap');
  const btn = document.getElementById('photo-toggle');
  if (!p.task || !p.task.original_photo_url || !img || !wrap) return;
  p.original = !p.original;
  img.src = p.original ? p.task.original_photo_url : p.task.photo_url;
  img.alt = p.original ? '原图' : '标准照（待审核照片）';
  wrap.classList.toggle('original', p.original);
  wrap.classList.toggle('hide-overlay', p.original || !p.overlay);
  if (btn) btn.firstChild.textContent = p.original ? '看标准照' : '看原图';
}

function photoWithOverlay(task, p) {
  const img = h('img#photo', { src: task.photo_url, alt: '待审核照片' });
  const wrap = h('div.photo-wrap', img);
  const g = task.geometry;
  if (g && g.width > 0 && g.height > 0) {
    const W = g.width, H = g.height;
    const stroke = Math.max(1, W / 320);
    const o = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'xMidYMid meet', class: 'overlay', id: 'overlay', 'aria-hidden': 'true' });
    // The standard's bands as bars on both edges, so that they do not cover the face.
    for (const [from, to] of [EYE_BAND, HEAD_TOP_BAND]) {
      for (const x of [0, W * 0.95]) {
        o.append(svg('rect', { class: 'band', x, y: from * H, width: W * 0.05, height: (to - from) * H }));
      }
    }
    if (g.face) {
      o.append(svg('rect', { class: 'face', x: g.face.x, y: g.face.y, width: g.face.w, height: g.face.h, 'stroke-width': stroke }));
    }
    if (g.eye_line_y != null) {
      o.append(svg('line', { class: 'eye', x1: 0, x2: W, y1: g.eye_line_y, y2: g.eye_line_y, 'stroke-width': stroke }));
    }
    if (g.left_pupil && g.right_pupil) {
      o.append(svg('line', { class: 'pupils', x1: g.left_pupil.x, y1: g.left_pupil.y, x2: g.right_pupil.x, y2: g.right_pupil.y, 'stroke-width': stroke }));
    }
    for (const pt of [g.left_pupil, g.right_pupil]) {
      if (pt) o.append(svg('circle', { class: 'pupil', cx: pt.x, cy: pt.y, r: stroke * 3, 'stroke-width': stroke }));
    }
    if (g.nose) o.append(svg('circle', { class: 'nose', cx: g.nose.x, cy: g.nose.y, r: stroke * 2.5 }));
    for (const [y, cls] of [[g.head_top_y, 'head-top'], [g.chin_y, 'chin']]) {
      if (y != null) o.append(svg('line', { class: cls, x1: W * 0.2, x2: W * 0.8, y1: y, y2: y, 'stroke-width': stroke }));
    }
    o.append(svg('line', { class: 'centre', x1: W / 2, x2: W / 2, y1: 0, y2: H, 'stroke-width': stroke }));
    wrap.classList.toggle('hide-overlay', !p.overlay);
    wrap.append(o);
    wrap.dataset.size = `${W}×${H}`;
  } else {
    wrap.append(h('p.muted.no-geometry', '没有人脸定位数据，请直接目视判断。'));
  }
  return wrap;
}

function fmtValue(v) {
  if (typeof v !== 'number') return v == null ? '—' : String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3);
}

function checksTable(checks) {
  const order = { error: 0, warning: 1 };
  const sorted = [...checks].sort((a, b) => (a.passed - b.passed) || ((order[a.severity] ?? 2) - (order[b.severity] ?? 2)));
  return h('table.checks#checks',
    h('thead', h('tr', h('th', ''), h('th', '项目'), h('th', '测得'), h('th', '标准'))),
    h('tbody', sorted.map((c) => {
      const cls = c.passed ? 'pass' : c.severity === 'warning' ? 'warn' : 'fail';
      const mark = c.passed ? '✓' : c.severity === 'warning' ? '!' : '✗';
      return h(`tr.${cls}`, { dataset: { check: c.id } },
        h('td.mark', { title: c.passed ? '通过' : c.severity === 'warning' ? '提醒' : '未通过' }, mark),
        h('td', CHECK_LABEL[c.id] || c.id, !c.passed && c.message ? h('div.msg', c.message) : null,
          c.detail ? h('div.detail.muted', c.detail) : null),
        h('td.num', fmtValue(c.value)),
        h('td.num', c.limit || ''));
    })));
}

async function decide(p, outcome) {
  if (!p.task || p.busy) return;
  const reasons = [...p.selected];
  if (outcome === 'reject' && reasons.length === 0) {
    toast('不通过时请至少勾选一项原因（数字键 1–9、0）', 'error');
    return;
  }
  p.busy = true;
  try {
    const body = { decision: outcome, reasons: outcome === 'reject' ? reasons : [] };
    const note = p.note.value.trim();
    if (note) body.note = note;
    await api('POST', `${ADMIN}/reviews/${p.task.id}/decision`, { json: body });
    if (page !== p) return;
    toast(outcome === 'approve' ? `已通过：${p.task.collection.name}` : `已退回：${p.task.collection.name}（${reasons.join('、')}）`);
  } catch (e) {
    if (page === p) toast(e.message, 'error');
    return;
  } finally {
    p.busy = false;
  }
  await claim(p); // straight on to the next photo
}

// release puts the task back in the queue for another reviewer; the next claim of this
// reviewer prefers other photos.
async function release(p) {
  if (!p.task || p.busy) return;
  p.busy = true;
  const name = p.task.collection.name;
  try {
    await api('POST', `${ADMIN}/reviews/${p.task.id}/release`);
    if (page === p) showIdle(p, `已将 ${name} 的照片放回队列。按 N 领取下一张。`);
  } catch (e) {
    if (page === p) toast(e.message, 'error');
  } finally {
    p.busy = false;
  }
}

function onKey(p, ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const t = ev.target;
  if (t && (t.tagName === 'TEXTAREA' || (t.tagName === 'INPUT' && t.type !== 'checkbox'))) return;
  const k = ev.key.toLowerCase();
  if (!p.task) {
    if (k === 'n') { ev.preventDefault(); claim(p); }
    return;
  }
  if (k === 'a') { ev.preventDefault(); decide(p, 'approve'); } else if (k === 'r') { ev.preventDefault(); decide(p, 'reject'); } else if (k === 's') {
    ev.preventDefault();
    release(p);
  } else if (k === 'o') {
    p.overlay = !p.overlay;
    const wrap = document.querySelector('.photo-wrap');
    if (wrap) wrap.classList.toggle('hide-overlay', !p.overlay || p.original);
  } else if (k === 'v') {
    ev.preventDefault();
    toggleOriginal(p);
  } else if (/^[0-9]$/.test(k)) {
    const i = k === '0' ? 9 : Number(k) - 1;
    const box = document.getElementById(`reason-${i}`);
    if (box) {
      ev.preventDefault();
      box.checked = !box.checked;
      box.dispatchEvent(new Event('change'));
    }
  }
}
