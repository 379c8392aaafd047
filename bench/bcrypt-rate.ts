// P1's baseline, in its own process so that it gets the api's thread-pool size (libuv reads
// UV_THREADPOOL_SIZE once, at the first use of the pool): bcrypt.compare calls per second with
// `concurrency` in flight. Usage: bcrypt-rate.ts COST CONCURRENCY SECONDS; prints one JSON line.
import bcrypt from 'bcrypt';

const [cost, concurrency, seconds] = process.argv.slice(2).map(Number) as [number, number, number];
const password = 'bench-password-correct-horse';
const hash = await bcrypt.hash(password, cost);
await Promise.all(Array.from({ length: concurrency }, () => bcrypt.compare(password, hash)));

let done = 0;
const started = performance.now();
const until = started + seconds * 1000;
async function worker() {
  while (performance.now() < until) {
    await bcrypt.compare(password, hash);
    done++;
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsed = (performance.now() - started) / 1000;
console.log(JSON.stringify({ compares: done, seconds: elapsed, perSecond: done / elapsed }));
