// Runs in each test worker before each file (vitest `setupFiles`). Redis keys (rate limits, log-in
// lockouts) go to a Redis database of this worker's own, so files that run at the same time count
// apart; pub/sub channels are global in Redis, and every channel the tests use names a license or
// session of their own. The PostgreSQL schema per worker: test/support/database-url.ts.
const base = process.env.REDIS_URL;
if (base) {
  const url = new URL(base);
  url.pathname = `/${process.env.VITEST_POOL_ID ?? '1'}`;
  process.env.REDIS_URL = url.toString();
}
