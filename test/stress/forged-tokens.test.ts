// Forged tokens: FORGE_RUNS (default 10,000) mutations of genuine offline tokens (from
// activateMachine) and session tokens (sks_ customer, sst_ staff). None may be accepted:
//   - by the server: renewToken and deactivateMachine must answer INVALID_TOKEN (or INVALID_INPUT) —
//     any other answer means the signature check was passed — and authenticated queries must not
//     see the session's data;
//   - by the SDK's offline check (packages/client/src/verify.ts): BAD_SIGNATURE, never another verdict.
// A mutation that only re-encodes the same bytes (e.g. base64 bits that decode to nothing, or a
// doubled space after "Bearer") is the genuine token, not a forgery: it is counted apart.
// FORGE_SEED replays a run (the seed is printed).
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type KeySet, keySet, verifiedClaims, verifyOfflineToken } from '@slotkeeper/client/verify';
import { type TestApp, startTestApp } from '../support/app.ts';
import { type Forgery, claims, equivalentTo, genuineTokens, offlineForgeries } from '../support/forgeries.ts';
import { DEACTIVATE, MY_LICENSES, RENEW } from '../support/operations.ts';
import { type Tenants, setUpTenants } from '../support/tenants.ts';

const RUNS = Number(process.env.FORGE_RUNS ?? 10_000);
const SEED = Number(process.env.FORGE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 4;

let t: TestApp;
let tenants: Tenants;
let jwks: JSONWebKeySet;
let keys: KeySet;
/** Genuine offline tokens: [0] signed with the retired key, [1] with the current one; same license. */
let genuine: { token: string; fingerprint: string; product: string }[];
let kids: string[];

beforeAll(async () => {
  t = await startTestApp();
  tenants = await setUpTenants(t);
  ({ genuine, jwks, kids } = await genuineTokens(t, 'forge'));
  keys = keySet(jwks);
  expect(new Set(kids).size).toBe(2);
});
afterAll(() => t?.close());

// ---- session token mutations ---------------------------------------------------------------------

interface SessionForgery {
  kind: string;
  who: 'customer' | 'staff';
  /** The Authorization header sent. */
  header: string;
  /** The genuine token it was made from. */
  original: string;
}

function sessionForgeries(): fc.Arbitrary<SessionForgery> {
  const base = fc.constantFrom(['customer', tenants.tokens.customer] as const, ['staff', tenants.tokens.vendor] as const);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const kinds: Record<string, fc.Arbitrary<[string, string]>> = {
    'char-flip': fc.tuple(base, fc.array(fc.nat(), { minLength: 1, maxLength: 3 })).map(([[, token], at]) => {
      const chars = [...token];
      for (const p of at) {
        const i = 4 + (p % (chars.length - 4));
        chars[i] = alphabet[(alphabet.indexOf(chars[i]!) + 1 + (p % 63)) % 64]!;
      }
      return [token, `Bearer ${chars.join('')}`];
    }),
    truncated: fc.tuple(base, fc.nat()).map(([[, token], at]) => [token, `Bearer ${token.slice(0, at % token.length)}`]),
    extended: fc.tuple(base, fc.string({ minLength: 1, maxLength: 8 })).map(([[, token], extra]) => [token, `Bearer ${token}${extra.replace(/[\s\r\n\0]/g, 'x') || 'x'}`]),
    'case-flip': fc.tuple(base, fc.nat()).map(([[, token], at]) => {
      const i = 4 + (at % (token.length - 4));
      const c = token[i]!;
      const flipped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
      return [token, `Bearer ${token.slice(0, i)}${flipped === c ? (c === '0' ? '1' : '0') : flipped}${token.slice(i + 1)}`];
    }),
    'prefix-swap': fc.tuple(base, fc.constantFrom('sks_', 'sst_', '', 'sks_sks_', 'SKS_', 'srt_')).map(([[, token], prefix]) => [token, `Bearer ${prefix}${token.slice(4)}`]),
    'other-session': fc.tuple(base, fc.constantFrom('sks_', 'sst_')).map(([[, token], prefix]) => [token, `Bearer ${prefix}${randomBytes(32).toString('base64url')}`]),
    lookalike: fc.tuple(base, fc.nat(), fc.constantFrom('а', 'е', 'о', 'ѕ', '\u200b', '\u00a0', 'ｓ')).map(([[, token], at, glyph]) => {
      const i = at % token.length;
      return [token, `Bearer ${token.slice(0, i)}${glyph}${token.slice(i + 1)}`];
    }),
    encoded: fc.tuple(base, fc.nat({ max: 3 })).map(([[, token], how]) => [
      token,
      `Bearer ${[encodeURIComponent(`${token}=`), Buffer.from(token).toString('base64'), `"${token}"`, token.replace(/_/g, '%5F')][how]}`,
    ]),
    'header-form': fc.tuple(base, fc.nat({ max: 6 })).map(([[, token], how]) => [
      token,
      [`Bearer  ${token}`, `bearer ${token}`, `Basic ${token}`, token, `Bearer ${token} ${token}`, `Bearer ${token},Bearer x`, `Token ${token}`][how]!,
    ]),
  };
  return fc.oneof(
    ...Object.entries(kinds).map(([kind, arb]) =>
      fc.tuple(arb, base).map(([[original, header]]): SessionForgery => {
        const who = original === tenants.tokens.customer ? 'customer' : 'staff';
        return { kind, who, header, original };
      }),
    ),
  );
}

/** What the server's bearer parsing would take from the header (yoga.ts): equal to the genuine token → not a forgery. */
function sameSession(forgery: SessionForgery): boolean {
  return /^Bearer\s+(\S+)$/i.exec(forgery.header.trim())?.[1] === forgery.original;
}

// ---- the run -------------------------------------------------------------------------------------

interface Count {
  forged: number;
  equivalent: number;
  serverAccepted: number;
  passedSignature: number;
  sdkAccepted: number;
  unexpected: number;
}

it(`${RUNS} forged offline and session tokens: none accepted by the server or the SDK`, async () => {
  const started = Date.now();
  const offlineRuns = Math.round(RUNS * 0.7);
  const offline = fc.sample(offlineForgeries({ genuine, kids, jwks, otherSub: tenants.staffIds.vendor }), { numRuns: offlineRuns, seed: SEED });
  const sessions = fc.sample(sessionForgeries(), { numRuns: RUNS - offlineRuns, seed: SEED + 1 });
  const counts = new Map<string, Count>();
  const findings: string[] = [];
  const count = (kind: string) => {
    let c = counts.get(kind);
    if (!c) counts.set(kind, (c = { forged: 0, equivalent: 0, serverAccepted: 0, passedSignature: 0, sdkAccepted: 0, unexpected: 0 }));
    return c;
  };

  const judgeOffline = async ({ kind, token }: Forgery, index: number) => {
    const c = count(`offline:${kind}`);
    const same = equivalentTo(genuine, token);
    if (same) c.equivalent++;
    else c.forged++;
    // An equivalent token is the genuine one: only renewal, which keeps the slot for the forgeries.
    const viaDeactivate = !same && index % 2 === 1;
    const response = viaDeactivate ? await t.gql(DEACTIVATE, { input: { token } }) : await t.gql(RENEW, { token });
    const result = viaDeactivate ? response.data?.deactivateMachine : response.data?.renewToken;
    if (!result) {
      c.unexpected++;
      findings.push(`${kind}: no result ${JSON.stringify(response).slice(0, 300)} for ${token.slice(0, 200)}`);
      return;
    }
    if (same) return;
    if (result.__typename.endsWith('Success')) {
      c.serverAccepted++;
      findings.push(`${kind}: server ACCEPTED ${token}`);
    } else if (result.code !== 'INVALID_TOKEN' && result.code !== 'INVALID_INPUT') {
      c.passedSignature++;
      findings.push(`${kind}: server answered ${result.code} (past the signature check) for ${token}`);
    }
    for (const g of genuine) {
      const verdict = await verifyOfflineToken(token, { keys, product: g.product, fingerprint: g.fingerprint });
      if (verdict.status !== 'BAD_SIGNATURE' || (await verifiedClaims(token, keys)) !== null) {
        c.sdkAccepted++;
        findings.push(`${kind}: SDK said ${verdict.status} for ${token}`);
      }
    }
  };

  const judgeSession = async (forgery: SessionForgery) => {
    const c = count(`session:${forgery.who}:${forgery.kind}`);
    const same = sameSession(forgery);
    if (same) c.equivalent++;
    else c.forged++;
    const query = forgery.who === 'customer' ? MY_LICENSES : '{ viewer { id role } }';
    const response = await t.app.yoga.fetch('http://slotkeeper.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: forgery.header },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as { data?: { myLicenses?: unknown[]; viewer?: unknown } | null; errors?: { extensions?: { code?: string } }[] };
    const seen = forgery.who === 'customer' ? body.data?.myLicenses !== undefined && body.data?.myLicenses !== null : Boolean(body.data?.viewer);
    const code = body.errors?.[0]?.extensions?.code;
    if (body.errors && code !== 'FORBIDDEN') {
      c.unexpected++;
      findings.push(`session ${forgery.kind}: ${JSON.stringify(body).slice(0, 300)}`);
    }
    if (same) {
      // The genuine session under another spelling must still work: proof the check below can see acceptance.
      if (!seen) findings.push(`session ${forgery.kind}: the genuine token was refused (${forgery.header.slice(0, 80)})`);
      return;
    }
    if (seen) {
      c.serverAccepted++;
      findings.push(`session ${forgery.kind}: ACCEPTED ${forgery.header}`);
    }
  };

  const work: (() => Promise<void>)[] = [
    ...offline.map((f, i) => () => judgeOffline(f, i)),
    ...sessions.map((f) => () => judgeSession(f)),
  ];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < work.length) await work[next++]!();
    }),
  );
  const seconds = (Date.now() - started) / 1000;

  const rows = Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  const total = (key: keyof Count) => Object.values(rows).reduce((sum, c) => sum + c[key], 0);
  const totals = {
    forged: total('forged'),
    equivalent: total('equivalent'),
    serverAccepted: total('serverAccepted'),
    passedSignature: total('passedSignature'),
    sdkAccepted: total('sdkAccepted'),
    unexpected: total('unexpected'),
  };
  console.log(`forged tokens: ${RUNS} (seed ${SEED}) in ${seconds.toFixed(1)} s`);
  console.table(rows);
  console.log(`forged totals: ${JSON.stringify(totals)}`);
  for (const finding of findings.slice(0, 20)) console.log(`FINDING ${finding}`);

  // The genuine tokens still work, so every refusal above was of the forgery, not of a dead slot.
  for (const g of genuine) {
    const renewed = await t.gql(RENEW, { token: g.token });
    expect(renewed.data?.renewToken.__typename, JSON.stringify(renewed)).toBe('RenewTokenSuccess');
    expect((await verifyOfflineToken(g.token, { keys, product: g.product, fingerprint: g.fingerprint })).status).toBe('VALID');
  }
  expect((await t.gql(MY_LICENSES, {}, tenants.tokens.customer)).data?.myLicenses).toBeDefined();

  expect(totals.forged + totals.equivalent).toBe(RUNS);
  expect(findings).toEqual([]);
  expect(totals).toMatchObject({ serverAccepted: 0, passedSignature: 0, sdkAccepted: 0, unexpected: 0 });
});

it('genuinely signed but expired or not yet valid tokens: the SDK refuses them with the time verdict', async () => {
  const g = genuine[1]!;
  const c = claims(g.token) as { sub: string; aud: string; lic: string; fp: string; seats: number };
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    { exp: now - 60, nbf: now - 86_400, want: 'EXPIRED' },
    { exp: now - 365 * 86_400, nbf: now - 400 * 86_400, want: 'EXPIRED' },
    { exp: now + 86_400, nbf: now + 3600, want: 'NOT_YET_VALID' },
    { exp: now + 365 * 86_400, nbf: now + 300 * 86_400, want: 'NOT_YET_VALID' },
  ];
  const verdicts: string[] = [];
  for (const { exp, nbf, want } of cases) {
    const { token } = await t.app.services.signer.sign({ sub: c.sub, aud: c.aud, lic: c.lic, fp: c.fp, seats: c.seats, ent: [], nbf, exp });
    const verdict = await verifyOfflineToken(token, { keys, product: g.product, fingerprint: g.fingerprint });
    verdicts.push(verdict.status);
    expect(verdict.status).toBe(want);
  }
  console.log(`genuinely signed, out of time: ${verdicts.join(', ')}`);
});
