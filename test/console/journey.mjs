// The student side of the sandbox, over HTTP exactly as the mini-program does it:
// log in with a dev- code, verify against the demo roster, upload a capture-code
// screenshot and a compliant photo, order, and have the sandbox pay. The result is a
// collection waiting in the review queue.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const COMPLIANT_PHOTO = path.join(ROOT, 'test', 'e2e', 'testdata', 'compliant.jpg');

// Demo roster students (internal/app/seed.go), school upc-east.
export const STUDENTS = [
  { name: '张三', student_no: '2019010001', level: '本科', phone: '13800000001' },
  { name: '李四', student_no: '2019010002', level: '本科', phone: '13800000002' },
  { name: '王五', student_no: '2020020003', level: '专科', phone: '13800000003' },
  { name: '阿依古丽·买买提', student_no: '2019010005', level: '本科', phone: '13800000005' },
];

/** Writes n capture-code screenshots (test/console/qrshot) and returns their paths. */
export function captureCodes(n) {
  const dir = mkdtempSync(path.join(tmpdir(), 'gradphoto-qr-'));
  execFileSync('go', ['run', './test/console/qrshot', dir, String(n)], { cwd: ROOT, stdio: 'inherit' });
  return Array.from({ length: n }, (_, i) => path.join(dir, `code-${i + 1}.png`));
}

async function call(base, method, url, { token, json, file } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (file) {
    body = new FormData();
    body.append(file.field, new Blob([file.data], { type: file.type }), file.name);
  }
  const res = await fetch(base + url, { method, headers, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Takes one roster student to in_review. photo: the JPEG bytes (distinct per student:
 * append a few bytes after the end marker to make a copy unique).
 */
export async function paidCollection(base, student, codePath, photo) {
  const login = await call(base, 'POST', '/api/v1/auth/wechat-login', { json: { code: `dev-console-${student.student_no}-${Date.now()}` } });
  const token = login.token;
  const created = await call(base, 'POST', '/api/v1/collections', {
    token, json: { school_id: 'upc-east', level: student.level, name: student.name, student_no: student.student_no, phone: student.phone },
  });
  const id = created.collection.id;
  await call(base, 'POST', `/api/v1/collections/${id}/confirm`, { token });
  await call(base, 'POST', `/api/v1/collections/${id}/capture-code`, {
    token, file: { field: 'image', name: 'code.png', type: 'image/png', data: readFileSync(codePath) },
  });
  await call(base, 'POST', `/api/v1/collections/${id}/photo`, {
    token, file: { field: 'photo', name: 'photo.jpg', type: 'image/jpeg', data: photo },
  });
  const order = await call(base, 'POST', `/api/v1/collections/${id}/order`, { token });
  const otn = order.order.out_trade_no;
  await call(base, 'POST', `/sandbox/pay/transactions/${otn}/succeed`);
  const deadline = Date.now() + 15000;
  for (;;) {
    const c = await call(base, 'GET', `/api/v1/collections/${id}`, { token });
    if (c.collection.status === 'in_review') return { id, otn, token };
    if (Date.now() > deadline) throw new Error(`collection ${id} not in review: ${c.collection.status}`);
    await new Promise((r) => { setTimeout(r, 100); });
  }
}

/** A copy of the JPEG that hashes differently and decodes the same. */
export function variant(jpeg, i) {
  return Buffer.concat([jpeg, Buffer.from(`\n${i}\n`)]);
}

/** Fills the review queue with the first n demo students. */
export async function fillQueue(base, n) {
  const codes = captureCodes(n);
  const jpeg = readFileSync(COMPLIANT_PHOTO);
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push(await paidCollection(base, STUDENTS[i], codes[i], variant(jpeg, i)));
  }
  return out;
}
