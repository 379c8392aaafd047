// P5: the SDK's offline check() per second (read and unseal the stored state, clock checks, token
// signature, type, product, machine and time) beside raw crypto.verify of the same token's Ed25519
// signature with the same key, in alternating rounds in this process. Goal ≥ 0.8.
import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../packages/client/src/client.ts';
import { stateKey, writeState } from '../packages/client/src/storage.ts';
import { fingerprintHash } from '../packages/client/src/verify.ts';
import { type JWK, SignJWT } from 'jose';
import { envInt } from './env.ts';
import { type BenchResult, QUICK, log, round, sleep } from './support.ts';

const FINGERPRINT = 'bench-machine';
const PRODUCT = 'bench-plugin';

/** Calls `task` for `seconds`, in batches so that the clock is read rarely. */
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

export async function runP5(): Promise<BenchResult> {
  const seconds = envInt('BENCH_P5_SECONDS', QUICK ? 1 : 2, 1, 600);
  const rounds = envInt('BENCH_P5_ROUNDS', QUICK ? 1 : 3, 1, 100);
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
  // The state as an activation leaves it with no root keys configured: the shipped key verifies.
  writeState(dir, stateKey(FINGERPRINT), {
    server: 'https://licenses.example.invalid/',
    product: { code: PRODUCT, name: 'Bench Plug-in', links: { website: null, documentation: null, support: null, purchase: null } },
    email: 'bench@example.com',
    token,
    keyList: null,
    lastSeen: Date.now(),
  });
  const client = createClient({
    serverUrl: 'https://licenses.example.invalid/',
    storageDir: dir,
    publicKeys: { keys: [jwk] },
    fingerprint: FINGERPRINT,
    product: PRODUCT,
    issuer: 'slotkeeper',
  });
  try {
    // A plug-in's state file is older than a second; a younger one is re-read on every check (storage.ts).
    await sleep(1100);
    const first = await client.check();
    if (first.status !== 'VALID') throw new Error(`the bench state does not check VALID: ${first.status} ${first.reason}`);
    if (!verify(null, signingInput, publicKey, signatureBytes)) throw new Error('the raw signature does not verify');
    const tasks = {
      check: () => client.check(),
      raw: () => verify(null, signingInput, publicKey, signatureBytes),
    };
    for (const task of Object.values(tasks)) await measure(0.3, task);
    log(`P5: ${rounds} alternating rounds of ${seconds} s …`);
    const totals = { check: { calls: 0, seconds: 0 }, raw: { calls: 0, seconds: 0 } };
    for (let r = 0; r < rounds; r++) {
      for (const name of ['raw', 'check'] as const) {
        const result = await measure(seconds, tasks[name]);
        totals[name].calls += result.calls;
        totals[name].seconds += result.seconds;
      }
    }
    const check = totals.check.calls / totals.check.seconds;
    const raw = totals.raw.calls / totals.raw.seconds;
    const ratio = round(check / raw, 3);
    return {
      rows: [
        {
          id: 'P5',
          figure: 'SDK offline check()/s',
          value: Math.round(check),
          unit: '/s',
          baseline: Math.round(raw),
          baselineName: 'crypto.verify/s',
          ratio,
          goal: '≥ 0.8',
          met: ratio >= 0.8,
        },
      ],
      details: { checkPerSecond: check, rawPerSecond: raw, checkMicros: round(1e6 / check, 1), rawMicros: round(1e6 / raw, 1), rounds, seconds },
    };
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
