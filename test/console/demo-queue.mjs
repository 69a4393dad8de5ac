// npm run demo-queue [-- BASE_URL]: puts demo students' photos in the review queue of a
// running sandbox server (make run), so that the console's 审核 page has work.
import { fillQueue, STUDENTS } from './journey.mjs';

const base = (process.argv[2] || 'http://127.0.0.1:8080').replace(/\/$/, '');
try {
  const done = await fillQueue(base, STUDENTS.length);
  console.log(`${done.length} photos are waiting in the review queue: ${base}/console/ (reviewer / gradphoto-demo)`);
} catch (e) {
  console.error(`demo-queue: ${e.message}\n(a student who already has a collection cannot be used twice: start from a fresh data directory)`);
  process.exit(1);
}
