// Browser tests of the staff console: the real binary (seed-demo, serve) on a random
// port with a temporary data directory, real headless Chromium driven by playwright-core.
// Scenario: a reviewer rejects one photo, approves the next and puts one back with the
// keyboard; a school administrator uploads a roster with bad rows and sees them, exports
// a batch, downloads it again, marks it 已报送 and imports 学信网's results; support
// finds a student by phone, reveals 张三's phone and unbinds him (a new WeChat account
// verifies as him); a school administrator corrects a phone, downloads the unpaid list
// and reminds; an administrator manages staff accounts and reads the audit trail. Screenshots of every page
// go to test/console/artifacts/; `npm run screenshot` also copies the review page to
// review-page.png (committed, for the README).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, copyFileSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, fillQueue } from './journey.mjs';

const HERE = path.join(ROOT, 'test', 'console');
const ARTIFACTS = path.join(HERE, 'artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSWORD = 'gradphoto-demo';

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

let work; let server; let base; let context; let page;
const browserErrors = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function waitHealthy(url, ms) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch { /* not up yet */ }
    if (Date.now() > until) throw new Error('server did not start');
    await new Promise((r) => { setTimeout(r, 100); });
  }
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  work = mkdtempSync(path.join(tmpdir(), 'gradphoto-console-'));
  const bin = path.join(work, 'gradphoto');
  execFileSync('go', ['build', '-o', bin, './cmd/gradphoto'], { cwd: ROOT, stdio: 'inherit' });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, GRADPHOTO_DATA_DIR: path.join(work, 'data'), GRADPHOTO_HTTP_ADDR: `127.0.0.1:${port}`, GRADPHOTO_LOG_LEVEL: 'warn' };
  execFileSync(bin, ['seed-demo'], { env, stdio: 'ignore' });
  server = spawn(bin, ['serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitHealthy(base, 20000);
  await fillQueue(base, 2); // 张三 and 李四 wait for review

  context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1360, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(20000); // a shared, busy machine
  // Any CSP violation (inline code) or script error fails the run.
  page.on('console', (m) => { if (m.type() === 'error' && !/401|403|Failed to load resource/.test(m.text())) browserErrors.push(m.text()); });
  page.on('pageerror', (e) => browserErrors.push(String(e)));
});

after(async () => {
  if (context) await context.close();
  if (server) server.kill('SIGTERM');
  if (work) rmSync(work, { recursive: true, force: true });
});

// browserTest is test() that saves a screenshot of the page when the test fails.
function browserTest(name, fn) {
  test(name, async () => {
    try {
      await fn();
    } catch (e) {
      const file = `failure-${name.replace(/[^a-z]+/gi, '-').slice(0, 40)}.png`;
      await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true }).catch(() => {});
      throw e;
    }
  });
}

async function login(username) {
  await context.clearCookies(); // independent of how the previous test ended
  await page.goto(`${base}/console/`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(PASSWORD);
  await page.locator('form.login button[type=submit]').click();
  await page.locator('.topbar').waitFor({ state: 'visible' });
}

async function logout() {
  await page.locator('#logout').click();
  await page.locator('form.login').waitFor();
}

async function menu() {
  return page.locator('#menu a').allTextContents();
}

async function shot(name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

browserTest('login page: security headers, bad password, no inline code', async () => {
  const res = await page.goto(`${base}/console/`);
  const csp = res.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  await page.locator('#username').fill('reviewer');
  await page.locator('#password').fill('wrong-password');
  await page.locator('form.login button[type=submit]').click();
  await page.locator('form.login .error').waitFor({ state: 'visible' });
  assert.match(await page.locator('form.login .error').textContent(), /用户名或密码|密码/);
  await shot('login');
});

browserTest('reviewer: claim, reject with a reason, next, approve, queue empty', async () => {
  await login('reviewer');
  assert.deepEqual(await menu(), ['审核']);
  const cookies = await context.cookies(base);
  const session = cookies.find((c) => c.name === 'gradphoto_staff');
  assert.ok(session, 'session cookie set');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');

  await page.keyboard.press('n');
  await page.locator('#photo').waitFor();
  await page.waitForFunction(() => document.getElementById('photo')?.naturalWidth > 0);
  assert.ok(await page.locator('#overlay rect.face').count() === 1, 'face box drawn');
  assert.ok(await page.locator('#overlay line.eye').count() === 1, 'eye line drawn');
  assert.ok(await page.locator('#checks tbody tr').count() >= 10, 'machine checks listed');
  assert.match(await page.locator('#checks tbody').textContent(), /眼睛位置/);
  assert.match(await page.locator('#lease').textContent(), /^\d+:\d\d$/);
  assert.equal(await page.locator('#reasons li').count(), 10);
  // The reviewer sees the 480×640 standard photo; V shows the upload as sent and back.
  assert.equal(await page.locator('#photo').evaluate((img) => `${img.naturalWidth}×${img.naturalHeight}`), '480×640');
  const stdSrc = await page.locator('#photo').getAttribute('src');
  await page.keyboard.press('v');
  await page.waitForFunction((src) => document.getElementById('photo')?.getAttribute('src') !== src, stdSrc);
  assert.match(await page.locator('#photo').getAttribute('src'), /\/photo\/original$/);
  assert.ok(await page.locator('.photo-wrap.hide-overlay').count() === 1, 'overlay hidden on the original');
  await page.keyboard.press('v');
  assert.equal(await page.locator('#photo').getAttribute('src'), stdSrc);
  const first = await page.locator('.who-card h1').textContent();
  await shot('review');
  if (process.env.UPDATE_REVIEW_SCREENSHOT) { // npm run screenshot: the README's picture
    copyFileSync(path.join(ARTIFACTS, 'review.png'), path.join(HERE, 'review-page.png'));
  }

  await page.keyboard.press('r'); // no reason yet: refused in the page
  await page.locator('#toast.error').waitFor({ state: 'visible' });
  await page.keyboard.press('3');
  assert.equal(await page.locator('#reason-2').isChecked(), true);
  await page.keyboard.press('r');
  await page.waitForFunction((prev) => {
    const h1 = document.querySelector('.who-card h1');
    return h1 && h1.textContent !== prev;
  }, first);
  assert.match(await page.locator('#toast').textContent(), /已退回.*头发不遮挡眉毛和眼睛/);

  await page.waitForFunction(() => document.getElementById('photo')?.naturalWidth > 0);
  await page.keyboard.press('a');
  await page.locator('#queue-state').waitFor();
  assert.match(await page.locator('#queue-state').textContent(), /审核队列已清空/);
  assert.match(await page.locator('#toast').textContent(), /已通过/);

  // Sandbox mode: the empty queue offers demo photos (the real journey, server side).
  await shot('review-empty');
  await page.locator('#demo-queue').click();
  await page.locator('#photo').waitFor({ timeout: 60000 });
  const demoName = await page.locator('.who-card h1').textContent();
  assert.match(demoName, /王五|阿依古丽/);

  // S puts the photo back: another reviewer's next claim is that same student.
  await page.keyboard.press('s');
  await page.locator('#queue-state', { hasText: '放回队列' }).waitFor();
  const login2 = await (await fetch(`${base}/admin/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'reviewer2', password: PASSWORD }) })).json();
  const claim2 = await fetch(`${base}/admin/api/v1/reviews/claim`, { method: 'POST', headers: { Authorization: `Bearer ${login2.token}` } });
  assert.equal(claim2.status, 200);
  const held2 = (await claim2.json()).review.collection;
  assert.ok(demoName.startsWith(held2.name), `reviewer2 got ${held2.name}, want the put-back ${demoName}`);

  // The API refuses a cookie-authenticated change without the CSRF header.
  const forged = await page.evaluate(async () => {
    const r = await fetch('/admin/api/v1/reviews/claim', { method: 'POST', credentials: 'same-origin' });
    return { status: r.status, body: await r.json() };
  });
  assert.equal(forged.status, 403);
  assert.equal(forged.body.error.code, 'csrf_failed');
  await logout();
});

browserTest('reviewer: a reload gets the held photo back; the lease countdown runs out', async () => {
  await page.clock.install();
  await login('reviewer');
  await page.keyboard.press('n'); // the other demo photo (reviewer2 holds the one put back)
  await page.locator('#photo').waitFor();
  assert.match(await page.locator('.who-card h1').textContent(), /王五|阿依古丽/);
  assert.match(await page.locator('#lease').textContent(), /^(9|10):\d\d$/);
  await page.clock.fastForward('10:30');
  await page.locator('#queue-state', { hasText: '领取已超时' }).waitFor();
  await logout();
});

browserTest('school admin: stats, roster upload lists the bad rows, no audit page', async () => {
  await login('school_admin');
  assert.deepEqual(await menu(), ['学校']);
  await page.locator('#stats .card').first().waitFor();
  assert.match(await page.locator('#stats').textContent(), /名单人数/);

  const csv = path.join(work, 'roster.csv');
  writeFileSync(csv, '姓名,学号,层次,手机号\n'
    + '周九,2019030001,本科,13600000001\n'
    + ',2019030002,本科,13600000002\n'
    + '吴十,2019030003,硕士,13600000003\n'
    + '郑十一,2019030004,本科,12345\n');
  await page.locator('#roster-file').setInputFiles(csv);
  await page.locator('form.upload', { has: page.locator('#roster-file') }).locator('button[type=submit]').click();
  await page.locator('#roster-summary').waitFor();
  assert.match(await page.locator('#roster-summary').textContent(), /新增 1 人/);
  const rows = await page.locator('#row-errors tbody tr').allTextContents();
  assert.ok(rows.length >= 2, `bad rows listed: ${rows}`);
  assert.ok(rows.some((r) => r.startsWith('3')), `row 3 (no name) listed: ${rows}`);
  assert.ok(rows.some((r) => r.startsWith('4')), `row 4 (bad level) listed: ${rows}`);
  await page.locator('#students tbody tr').first().waitFor();
  await shot('school');

  // Export: the approved photo (李四) as a ZIP through the cookie session.
  assert.match(await page.locator('#export-count').textContent(), /导出 1 张/);
  page.once('dialog', (d) => d.accept());
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export').click()]);
  assert.match(download.suggestedFilename(), /\.zip$/);
  const zip = await download.path();
  assert.ok(zip && statSync(zip).size > 1000, 'ZIP with a photo');

  // The batch is listed; downloaded again it is the same bytes; then marked 已报送.
  const batch = page.locator('#batch-list tbody tr').first();
  await batch.waitFor();
  assert.match(await batch.textContent(), /第 \d+ 批1已导出，未报送school_admin/);
  const [again] = await Promise.all([page.waitForEvent('download'), batch.locator('a.download').click()]);
  assert.equal(sha256(readFileSync(await again.path())), sha256(readFileSync(zip)), 'the batch downloaded again is the same ZIP');
  page.once('dialog', (d) => d.accept());
  await batch.locator('button.submitted').click();
  await page.locator('#batch-list tbody tr[data-status=submitted]').waitFor();
  assert.match(await page.locator('#batch-list tbody tr').first().textContent(), /已报送学信网/);
  assert.equal(await page.locator('#batch-list button.submitted').count(), 0, 'no second 已报送');

  // 学信网's results: 李四 fails (SMS, free new photo), a 学号 in no batch is a bad row.
  const results = path.join(work, 'chsi.csv');
  writeFileSync(results, '学号,结果,原因\n2019010002,不通过,与身份证照片比对不一致\n2019030001,通过,\n');
  await page.locator('#chsi-file').setInputFiles(results);
  await page.locator('form.upload', { has: page.locator('#chsi-file') }).locator('button[type=submit]').click();
  await page.locator('#chsi-summary').waitFor();
  assert.match(await page.locator('#chsi-summary').textContent(), /未通过 1 人/);
  const bad = await page.locator('#chsi-errors tbody tr').allTextContents();
  assert.equal(bad.length, 1, `bad rows: ${bad}`);
  assert.match(bad[0], /^3学号2019030001不在本校任何导出批次中/);
  await page.locator('#batch-list tbody tr', { hasText: '未通过 1' }).waitFor();
  await page.locator('#stats .card[data-status=chsi_failed] .value', { hasText: '1' }).waitFor(); // the counts follow
  await page.locator('#student-status').selectOption('chsi_failed');
  await page.locator('form.inline button[type=submit]', { hasText: '筛选' }).click();
  // The filtered list replaces the whole one: wait for it (李四 is on both, so
  // waiting for his row alone could read the list from before the filter).
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('#students tbody tr')];
    return rows.length > 0 && rows.every((r) => r.textContent.includes('学信网比对未通过'));
  });
  assert.match(await page.locator('#students tbody tr').first().textContent(), /李四.*学信网比对未通过/);
  await shot('school-delivery');

  // The audit page is not offered, and the API behind it says no.
  await page.goto(`${base}/console/#/audit`);
  await page.locator('#stats').waitFor();
  assert.equal(await page.evaluate(() => location.hash), '#/school');
  const status = await page.evaluate(async () => (await fetch('/admin/api/v1/audit')).status);
  assert.equal(status, 403);
  await logout();
});

browserTest('support: finds a student by phone, sees the timeline', async () => {
  await login('support');
  assert.deepEqual(await menu(), ['查询']);
  await page.locator('#lookup-kind').selectOption('phone');
  await page.locator('#lookup-q').fill('13800000001');
  await page.locator('form.search button[type=submit]').click();
  await page.locator('article.result').first().waitFor();
  const text = await page.locator('article.result').first().textContent();
  assert.match(text, /张三/);
  assert.match(text, /2019010001/);
  assert.doesNotMatch(text, /13800000001/, 'phone shown masked');
  assert.ok(await page.locator('article.result .timeline li').count() >= 4, 'timeline');
  assert.match(await page.locator('article.result .timeline').first().textContent(), /支付成功/);
  await shot('lookup');

  // Refund with a reason (the rejected student's paid order).
  page.once('dialog', (d) => d.accept());
  await page.locator('article.result .refund-reason').fill('学生申请退款（测试）');
  await page.locator('article.result form.refund button').click();
  await page.locator('#toast', { hasText: '退款已提交' }).waitFor();
  await page.waitForFunction(() => {
    const a = document.querySelector('article.result'); // the results are redrawn after the refund
    return a !== null && /退款中|已退款/.test(a.textContent);
  });
  assert.equal(await page.locator('article.result form.refund').count(), 0, 'no second refund offered');
  await logout();
});

browserTest('support: finds 张三 by name, reveals the phone, unbinds him, a new WeChat account verifies', async () => {
  await login('support');
  await page.locator('#lookup-kind').selectOption('name');
  await page.locator('#lookup-school').fill('upc-east');
  await page.locator('#lookup-q').fill('张三');
  await page.locator('form.search button[type=submit]').click();
  const card = page.locator('article.result').first();
  await card.waitFor();
  assert.match(await card.textContent(), /2019010001/);
  const collectionId = await card.getAttribute('data-collection');

  // Without a reason nothing is revealed; with one, the full number.
  await card.locator('button.reveal').click();
  await page.locator('#toast.error', { hasText: '请填写原因' }).waitFor();
  assert.equal(await card.locator('.phone-full').textContent(), '');
  await card.locator('.action-reason').fill('学生来电，核实身份');
  await card.locator('button.reveal').click();
  await page.locator('article.result .phone-full', { hasText: '13800000001' }).waitFor();

  // Unbind (confirmed), then a new WeChat account verifies as 张三 and gets his collection.
  page.once('dialog', (d) => d.accept());
  await page.locator('article.result').first().locator('button.unbind').click();
  await page.locator('#toast', { hasText: '已解绑' }).waitFor();
  const post = async (url, body, token) => (await fetch(`${base}${url}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body),
  }));
  const { code } = await (await post('/sandbox/wx/login', { name: 'zhangsan-new-phone' })).json();
  const { token } = await (await post('/api/v1/auth/wechat-login', { code })).json();
  const verified = await post('/api/v1/collections', { school_id: 'upc-east', level: '本科', name: '张三', student_no: '2019010001', phone: '13900000001' }, token);
  assert.equal(verified.status, 200);
  assert.equal((await verified.json()).collection.id, collectionId);

  // The call-back list opens (张三's photo was rejected once: not on it).
  await page.locator('#load-callbacks').click();
  await page.locator('#callbacks p, #callbacks table').first().waitFor();
  await shot('support-actions');
  await logout();
});

browserTest('school admin: corrects a roster phone, downloads the unpaid list, reminds once', async () => {
  await login('school_admin');
  await page.locator('#students tbody tr').first().waitFor();
  await page.locator('#student-q').fill('王五');
  await page.locator('form.inline button[type=submit]', { hasText: '筛选' }).click();
  const row = page.locator('#students tbody tr', { hasText: '王五' });
  await row.waitFor();
  await row.locator('button.edit').click();
  assert.equal(await page.locator('#edit-no').inputValue(), '2020020003');
  await page.locator('#edit-phone').fill('13822223333');
  await page.locator('#student-edit button[type=submit]').click();
  await page.locator('#toast', { hasText: '已保存' }).waitFor();
  await page.locator('#students tbody tr', { hasText: '138****3333' }).waitFor();

  // The Excel list follows the filter.
  await page.locator('#student-status').selectOption('unpaid');
  assert.match(await page.locator('#students-xlsx').getAttribute('href'), /students\.xlsx\?status=unpaid$/);
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.locator('#students-xlsx').click()]);
  assert.match(xlsx.suggestedFilename(), /\.xlsx$/);
  assert.equal(readFileSync(await xlsx.path()).subarray(0, 2).toString(), 'PK', 'an XLSX (zip) file');

  // Reminders to the students who have not started: sent once, skipped the second time.
  await page.locator('#remind-status').selectOption('not_started');
  page.once('dialog', (d) => d.accept());
  await page.locator('#reminders button[type=submit]').click();
  await page.locator('#remind-result', { hasText: '已发送' }).waitFor();
  const first = await page.locator('#remind-result').textContent();
  assert.match(first, /已发送 [1-9]\d* 条/);
  await shot('school-reminders');
  page.once('dialog', (d) => d.accept());
  await page.locator('#reminders button[type=submit]').click();
  await page.locator('#remind-result', { hasText: '已发送 0 条' }).waitFor();
  await logout();
});

browserTest('admin: staff accounts — create, reset a password, disable; no hashes', async () => {
  await login('admin');
  await page.locator('#menu a[data-page=staff]').click();
  await page.locator('#staff-list tbody tr').first().waitFor();
  await page.locator('#staff-username').fill('console_support');
  await page.locator('#staff-role').selectOption('support');
  await page.locator('#staff-password').fill('first-password-1');
  await page.locator('#staff-create button[type=submit]').click();
  const row = page.locator('#staff-list tbody tr[data-username=console_support]');
  await row.waitFor();
  assert.match(await row.textContent(), /从未登录/);
  assert.doesNotMatch(await page.locator('#staff-list').textContent(), /\$2a\$/);
  const loginAs = async (password) => (await fetch(`${base}/admin/api/v1/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'console_support', password }),
  })).status;
  assert.equal(await loginAs('first-password-1'), 200);

  await row.locator('.staff-new-password').fill('second-password-2');
  await row.locator('button.reset-password').click();
  await page.locator('#toast', { hasText: '已重置' }).waitFor();
  assert.equal(await loginAs('first-password-1'), 401);
  assert.equal(await loginAs('second-password-2'), 200);

  await page.locator('#staff-list tbody tr[data-username=console_support] button.toggle-disabled').click();
  await page.locator('#staff-list tbody tr[data-username=console_support][data-disabled=true]').waitFor();
  assert.equal(await loginAs('second-password-2'), 401);
  // The admin's own row offers no 停用.
  assert.equal(await page.locator('#staff-list tbody tr[data-username=admin] button.toggle-disabled').count(), 0);
  await shot('staff');
  await logout();
});

browserTest('admin: every page, the audit trail', async () => {
  await login('admin');
  assert.deepEqual(await menu(), ['审核', '学校', '查询', '审计', '账号']);
  await page.locator('#menu a[data-page=audit]').click();
  await page.locator('#audit-list tbody tr').first().waitFor();
  assert.match(await page.locator('#audit-list').textContent(), /登录/);
  assert.match(await page.locator('#audit-list').textContent(), /退款/);
  await shot('audit');

  // An administrator picks the school first.
  await page.locator('#menu a[data-page=school]').click();
  await page.locator('#school-q').fill('石大');
  await page.locator('#school-q').press('Enter');
  await page.locator('ul.picks button', { hasText: 'upc-east' }).click();
  await page.locator('#stats .card').first().waitFor();
  await logout();
});

test('no script errors or CSP violations in the browser', () => {
  assert.deepEqual(browserErrors, []);
});
