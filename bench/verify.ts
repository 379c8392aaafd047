// Offline license checks per second, next to the Ed25519 signature check they cannot beat.
//
//   pnpm bench:verify            BENCH_SECONDS (2): length of each measuring round; BENCH_ROUNDS (3)
//
// `check()` reads the stored state, checks its HMAC seal and the clock, then verifies the token with
// jose (signature, type, product, machine, time). Raw `crypto.verify` of the same token's signature
// with the same key, measured in the same process in alternating rounds, is the ceiling: the ratio says
// what the rest of a check costs on top of the one signature verification it must do. One core; no
// server (the state is written as an activation leaves it). Prints figures; asserts nothing.
import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@slotkeeper/client/client';
import { stateKey, writeState } from '@slotkeeper/client/storage';
import { fingerprintHash, keySet, verifyOfflineToken } from '@slotkeeper/client/verify';
import { type JWK, SignJWT } from 'jose';
import { envInt } from './env.ts';

const SECONDS = envInt('BENCH_SECONDS', 2, 1, 600);
const ROUNDS = envInt('BENCH_ROUNDS', 3, 1, 100);
const FINGERPRINT = 'bench-machine';
const PRODUCT = 'bench-plugin';

/** Calls `task` for `seconds`, in batches so the clock is read rarely; returns calls and elapsed seconds. */
async function measure(seconds: number, task: () => unknown): Promise<{ calls: number; seconds: number }> {
  const started = performance.now();
  const until = started + seconds * 1000;
  let calls = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 100; i++) await task();
    calls += 100;
  }
  return { calls, seconds: (performance.now() - started) / 1000 };
}

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const jwk: JWK = { ...publicKey.export({ format: 'jwk' }), kid: 'bench-key', alg: 'EdDSA', use: 'sig' };
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({ lic: 'bench-license', fp: fingerprintHash(FINGERPRINT), seats: 5 })
  .setProtectedHeader({ alg: 'EdDSA', typ: 'slot+jwt', kid: 'bench-key' })
  .setIssuer('slotkeeper')
  .setSubject('bench-activation')
  .setAudience(PRODUCT)
  .setIssuedAt(now)
  .setNotBefore(now - 86_400)
  .setExpirationTime(now + 365 * 86_400)
  .sign(privateKey);
const [header, payload, signature] = token.split('.') as [string, string, string];
const signingInput = Buffer.from(`${header}.${payload}`);
const signatureBytes = Buffer.from(signature, 'base64url');

const dir = mkdtempSync(join(tmpdir(), 'slotkeeper-bench-verify-'));
writeState(dir, stateKey(FINGERPRINT), {
  server: 'https://licenses.example.invalid/',
  product: { code: PRODUCT, name: 'Bench Plug-in', links: { website: null, documentation: null, support: null, purchase: null } },
  email: 'bench@example.com',
  token,
  jwks: { keys: [] },
  lastSeen: Date.now(),
});
const client = createClient({
  serverUrl: 'https://licenses.example.invalid/',
  storageDir: dir,
  publicKeys: { keys: [jwk] },
  fingerprint: FINGERPRINT,
  product: PRODUCT,
});

try {
  const first = await client.check();
  if (first.status !== 'VALID') throw new Error(`the bench state does not check VALID: ${first.status} ${first.reason}`);
  if (!verify(null, signingInput, publicKey, signatureBytes)) throw new Error('the raw signature does not verify');
  const keys = keySet({ keys: [jwk] });
  const tasks = {
    check: () => client.check(),
    raw: () => verify(null, signingInput, publicKey, signatureBytes),
    jose: () => verifyOfflineToken(token, { keys, product: PRODUCT, fingerprint: FINGERPRINT }),
  };
  // Warm-up, so that neither side pays the JIT in its figure.
  for (const task of Object.values(tasks)) await measure(0.3, task);

  const totals = { check: { calls: 0, seconds: 0 }, raw: { calls: 0, seconds: 0 }, jose: { calls: 0, seconds: 0 } };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of ['raw', 'check', 'jose'] as const) {
      const result = await measure(SECONDS, tasks[name]);
      totals[name].calls += result.calls;
      totals[name].seconds += result.seconds;
    }
  }
  const rate = (name: keyof typeof totals) => totals[name].calls / totals[name].seconds;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(9);

  console.log(`Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores (one used)`);
  console.log(`${ROUNDS} alternating rounds of ${SECONDS} s each\n`);
  console.log(`offline check() per second            ${fmt(rate('check'))}`);
  console.log(`raw crypto.verify Ed25519 per second   ${fmt(rate('raw'))}`);
  console.log(`ratio check() / raw verify             ${(rate('check') / rate('raw')).toFixed(3).padStart(9)}`);
  console.log(`\nof which: jose token verification alone ${fmt(rate('jose'))} /s (signature, type, product, machine, time)`);
  console.log(`one check() takes ${(1e6 / rate('check')).toFixed(1)} µs; one raw verify ${(1e6 / rate('raw')).toFixed(1)} µs`);
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
