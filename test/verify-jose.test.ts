// The SDK's offline verification (packages/client/src/verify.ts) re-implements jose's JWS/JWT checks
// on node:crypto for speed. Every kind of forged token (test/support/forgeries.ts, the kinds of the
// forged-token stress test), the genuine tokens and genuinely signed ones out of time must get the
// same verdict from it as from jose's jwtVerify with the same keys, audience and clock. A re-encoding
// of a genuine token's very bytes (base64 padding or whitespace in a segment) is no forgery (the
// stress test counts it apart too): jose decodes it with atob, which allows both, and verify.ts refuses
// anything but canonical base64url, so there verify.ts may only be stricter (BAD_SIGNATURE).
import { fingerprintHash, verifyOfflineToken } from '@slotkeeper/client/verify';
import fc from 'fast-check';
import { type JWTPayload, createLocalJWKSet, errors, jwtVerify } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { type GenuineTokens, claims, equivalentTo, genuineTokens, offlineForgeries } from './support/forgeries.ts';

const RUNS = 1_500;
const SEED = Number(process.env.FORGE_SEED ?? Math.floor(Math.random() * 2 ** 31));

let t: TestApp;
let tokens: GenuineTokens;

beforeAll(async () => {
  t = await startTestApp();
  tokens = await genuineTokens(t, 'jose');
});
afterAll(() => t?.close());

type Verdict = 'VALID' | 'BAD_SIGNATURE' | 'EXPIRED' | 'NOT_YET_VALID' | 'WRONG_PRODUCT' | 'WRONG_MACHINE';

/** The verdict with jose doing every JWS/JWT check, and the SDK's own claims (lic, fp, seats) after it. */
async function joseVerdict(token: string, options: { product: string; fingerprint: string; issuer?: string; now: Date }): Promise<Verdict> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, createLocalJWKSet(tokens.jwks), {
      algorithms: ['EdDSA'],
      typ: 'slot+jwt',
      audience: options.product,
      issuer: options.issuer,
      requiredClaims: ['aud', 'iat', 'nbf', 'exp', 'sub'],
      currentDate: options.now,
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) return 'EXPIRED';
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') return 'NOT_YET_VALID';
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') return 'WRONG_PRODUCT';
    return 'BAD_SIGNATURE';
  }
  if (typeof payload.lic !== 'string' || typeof payload.fp !== 'string' || typeof payload.seats !== 'number') return 'BAD_SIGNATURE';
  return payload.fp === fingerprintHash(options.fingerprint) ? 'VALID' : 'WRONG_MACHINE';
}

it(`${RUNS} forged tokens of every kind, genuine and out-of-time ones: verify.ts and jose give the same verdict`, async () => {
  const { genuine, jwks } = tokens;
  const now = new Date();
  const forged = fc.sample(offlineForgeries({ ...tokens, otherSub: 'another-slot' }), { numRuns: RUNS, seed: SEED });
  const seconds = Math.floor(now.getTime() / 1000);
  const g = claims(genuine[1]!.token) as { sub: string; aud: string; lic: string; fp: string; seats: number };
  const outOfTime = await Promise.all(
    [
      { nbf: seconds - 86_400, exp: seconds - 60 },
      { nbf: seconds + 3600, exp: seconds + 86_400 },
    ].map(async (times, i) => ({
      kind: i === 0 ? 'genuine-expired' : 'genuine-future-nbf',
      token: (await t.app.services.signer.sign({ sub: g.sub, aud: g.aud, lic: g.lic, fp: g.fp, seats: g.seats, ent: [], ...times })).token,
    })),
  );
  const cases = [...forged, ...genuine.map((x) => ({ kind: 'genuine', token: x.token })), ...outOfTime];

  const verdicts = new Map<string, Map<Verdict, number>>();
  const mismatches: string[] = [];
  // Each machine with its product, and a plug-in of another product.
  const targets = [...genuine, { product: 'other-product', fingerprint: genuine[0]!.fingerprint }];
  for (const { kind, token } of cases) {
    for (const target of targets) {
      for (const issuer of [undefined, 'slotkeeper']) {
        const options = { product: target.product, fingerprint: target.fingerprint, issuer, now };
        const ours = (await verifyOfflineToken(token, { ...options, keys: jwks })).status;
        const theirs = await joseVerdict(token, options);
        const byKind = verdicts.get(kind) ?? new Map<Verdict, number>();
        byKind.set(ours, (byKind.get(ours) ?? 0) + 1);
        verdicts.set(kind, byKind);
        const reencoded = equivalentTo(genuine, token) && !genuine.some((x) => x.token === token);
        const stricter = reencoded && ours === 'BAD_SIGNATURE';
        if (ours !== theirs && !stricter) mismatches.push(`${kind}: verify.ts ${ours}, jose ${theirs} (issuer ${issuer ?? 'unchecked'}) for ${token.slice(0, 300)}`);
      }
    }
  }
  console.log(`verify.ts vs jose: ${cases.length} tokens × ${targets.length} plug-ins × 2 issuer settings (seed ${SEED})`);
  console.table(Object.fromEntries([...verdicts].sort(([a], [b]) => a.localeCompare(b)).map(([kind, counts]) => [kind, Object.fromEntries(counts)])));

  expect(mismatches.slice(0, 10)).toEqual([]);
  // Every kind of forgery was drawn, and the comparison saw each verdict the SDK can give.
  expect(verdicts.size).toBeGreaterThanOrEqual(16);
  const seen = new Set([...verdicts.values()].flatMap((counts) => [...counts.keys()]));
  expect([...seen].sort()).toEqual(['BAD_SIGNATURE', 'EXPIRED', 'NOT_YET_VALID', 'VALID', 'WRONG_MACHINE', 'WRONG_PRODUCT']);
});
