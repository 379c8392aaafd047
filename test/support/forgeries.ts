// Forged offline tokens, kind by kind: mutations of genuine tokens (claims, header, signature and
// payload bytes, alg none, HS256 with the public key, another Ed25519 key, swapped kids, spliced
// signatures, truncations, re-encodings). Used by test/stress/forged-tokens.test.ts (against the
// server and the SDK) and test/verify-jose.test.ts (the SDK's verify.ts against jose).
import { createHmac, createPublicKey, generateKeyPairSync, randomBytes, sign as edSign } from 'node:crypto';
import fc from 'fast-check';
import type { JSONWebKeySet, JWK } from 'jose';
import type { TestApp } from './app.ts';
import { ACTIVATE, machine } from './operations.ts';

export interface ForgeryContext {
  /** Genuine offline tokens, signed with at least two different keys. */
  genuine: { token: string }[];
  /** The `kid` of each genuine token. */
  kids: string[];
  /** The server's JWKS (its public keys, handed to HMAC by a confused verifier). */
  jwks: JSONWebKeySet;
  /** An id that is not the slot's, for a forged `sub`. */
  otherSub: string;
}

export const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');
export const json64 = (value: unknown) => b64(JSON.stringify(value));
export const parts = (token: string) => token.split('.');
export const header = (token: string) => JSON.parse(Buffer.from(parts(token)[0]!, 'base64url').toString()) as Record<string, unknown>;
export const claims = (token: string) => JSON.parse(Buffer.from(parts(token)[1]!, 'base64url').toString()) as Record<string, unknown>;

export interface GenuineTokens {
  /** Genuine offline tokens of one license: [0] signed with the retired key, [1] with the current one. */
  genuine: { token: string; fingerprint: string; product: string }[];
  kids: string[];
  jwks: JSONWebKeySet;
}

/** Two activations of one license with a key rotation between them, and the JWKS with both keys. */
export async function genuineTokens(t: TestApp, prefix: string): Promise<GenuineTokens> {
  const license = await t.seed.license({ seats: 5 });
  const activate = async (fingerprint: string) => {
    const { data } = await t.gql(ACTIVATE, { input: machine(license, fingerprint) });
    return { token: data.activateMachine.token as string, fingerprint, product: license.product };
  };
  const first = await activate(`${prefix}-a-${randomBytes(3).toString('hex')}`);
  // A second key, so that a token can carry the kid of another genuine key.
  await t.app.services.signer.rotate();
  const second = await activate(`${prefix}-b-${randomBytes(3).toString('hex')}`);
  const genuine = [first, second];
  const jwks = (await (await t.app.yoga.fetch('http://slotkeeper.test/.well-known/jwks.json')).json()) as JSONWebKeySet;
  return { genuine, jwks, kids: genuine.map((g) => header(g.token).kid as string) };
}

/** The same header, payload and signature bytes as a genuine token, however they are written (not a forgery). */
export function equivalentTo(genuine: { token: string }[], token: string): boolean {
  const mine = parts(token);
  if (mine.length !== 3) return false;
  return genuine.some((g) => parts(g.token).every((part, i) => Buffer.from(part, 'base64url').equals(Buffer.from(mine[i]!, 'base64url'))));
}

const attackerKey = generateKeyPairSync('ed25519');
const attackerJwk = attackerKey.publicKey.export({ format: 'jwk' }) as JWK;
const edSigned = (head: object, payload: object) => {
  const input = `${json64(head)}.${json64(payload)}`;
  return `${input}.${b64(edSign(null, Buffer.from(input), attackerKey.privateKey))}`;
};
const hsSigned = (head: object, payload: object, secret: Buffer | string) => {
  const input = `${json64(head)}.${json64(payload)}`;
  return `${input}.${b64(createHmac('sha256', secret).update(input).digest())}`;
};
/** Every way the public key could be handed to an HMAC by a confused verifier. */
function publicKeySecrets(jwks: JSONWebKeySet): (Buffer | string)[] {
  // The Ed25519 key the genuine tokens name (the set may list RSA keys of RS256 products too).
  const jwk = jwks.keys.find((key) => key.kty === 'OKP')!;
  const spki = createPublicKey({ key: jwk as never, format: 'jwk' });
  return [
    Buffer.from(jwk.x!, 'base64url'),
    jwk.x!,
    JSON.stringify(jwk),
    JSON.stringify(jwks),
    spki.export({ type: 'spki', format: 'pem' }) as string,
    spki.export({ type: 'spki', format: 'der' }) as Buffer,
  ];
}

export interface Forgery {
  kind: string;
  token: string;
}

export function offlineForgeries({ genuine, kids, jwks, otherSub }: ForgeryContext): fc.Arbitrary<Forgery> {
  const base = fc.constantFrom(...genuine.map((g) => g.token));
  const now = Math.floor(Date.now() / 1000);
  const claimEdits: [string, fc.Arbitrary<unknown>][] = [
    ['sub', fc.oneof(fc.uuid(), fc.constant(otherSub))],
    ['lic', fc.uuid()],
    ['aud', fc.oneof(fc.string(), fc.constant('other-product'))],
    ['fp', fc.string()],
    ['seats', fc.oneof(fc.integer(), fc.constant(1_000_000))],
    ['iss', fc.string()],
    ['iat', fc.integer()],
    ['exp', fc.integer({ min: now + 86_400, max: now + 100 * 365 * 86_400 })],
    ['extra', fc.jsonValue()],
  ];
  const editedClaims = fc
    .tuple(base, fc.constantFrom(...claimEdits), fc.boolean())
    .chain(([token, [name, value], remove]) => value.map((v) => ({ token, name, v, remove })))
    .map(({ token, name, v, remove }) => {
      const payload = claims(token);
      if (remove) delete payload[name];
      else payload[name] = v;
      return { token, payload };
    });
  const headerVariants = fc.oneof(
    fc.record({
      alg: fc.constantFrom('EdDSA', 'none', 'None', 'NONE', 'HS256', 'RS256', 'ES256', 'Ed25519', 'eddsa', ''),
      typ: fc.constantFrom('slot+jwt', 'JWT', undefined),
      kid: fc.constantFrom(...kids, 'unknown', '', '../../etc/passwd', "' OR 1=1 --"),
    }),
    fc.constantFrom(...kids).map((kid) => ({ alg: 'EdDSA', typ: 'slot+jwt', kid, jwk: attackerJwk })),
    fc.constantFrom(...kids).map((kid) => ({ alg: 'EdDSA', typ: 'slot+jwt', kid, crit: ['b64'], b64: false })),
    fc.constantFrom(...kids).map((kid) => ({ alg: 'EdDSA', typ: 'slot+jwt', kid, jku: 'http://attacker.example/jwks.json' })),
  );
  const flipBytes = (data: Buffer, positions: number[]) => {
    const copy = Buffer.from(data);
    for (const p of positions) copy[p % copy.length]! ^= 1 + (p % 255);
    return copy;
  };

  const kinds: Record<string, fc.Arbitrary<string>> = {
    'payload-bytes': fc.tuple(base, fc.array(fc.nat(), { minLength: 1, maxLength: 3 })).map(([token, at]) => {
      const [h, p, s] = parts(token);
      return `${h}.${b64(flipBytes(Buffer.from(p!, 'base64url'), at))}.${s}`;
    }),
    'payload-claims': editedClaims.map(({ token, payload }) => `${parts(token)[0]}.${json64(payload)}.${parts(token)[2]}`),
    expired: base.map((token) => `${parts(token)[0]}.${json64({ ...claims(token), exp: now - 3600 })}.${parts(token)[2]}`),
    'future-nbf': base.map((token) => `${parts(token)[0]}.${json64({ ...claims(token), nbf: now + 86_400 })}.${parts(token)[2]}`),
    header: fc.tuple(base, headerVariants).map(([token, head]) => `${json64(head)}.${parts(token)[1]}.${parts(token)[2]}`),
    'signature-bytes': fc.tuple(base, fc.array(fc.nat(), { minLength: 1, maxLength: 3 })).map(([token, at]) => {
      const [h, p, s] = parts(token);
      return `${h}.${p}.${b64(flipBytes(Buffer.from(s!, 'base64url'), at))}`;
    }),
    'alg-none': fc
      .tuple(editedClaims, fc.constantFrom('none', 'None', 'NONE', 'nOnE'), fc.constantFrom('', 'sig', 'keep'))
      .map(([{ token, payload }, alg, sig]) => `${json64({ alg, typ: 'slot+jwt', kid: header(token).kid })}.${json64(payload)}.${sig === 'keep' ? parts(token)[2] : sig}`),
    'hs256-public-key': fc
      .tuple(editedClaims, fc.nat({ max: 5 }), fc.constantFrom('HS256', 'HS384', 'HS512'))
      .map(([{ token, payload }, secret, alg]) => hsSigned({ alg, typ: 'slot+jwt', kid: header(token).kid }, payload, publicKeySecrets(jwks)[secret]!)),
    'other-ed25519': fc
      .tuple(editedClaims, fc.constantFrom(...kids, 'attacker'), fc.boolean())
      .map(([{ payload }, kid, embed]) => edSigned({ alg: 'EdDSA', typ: 'slot+jwt', kid, ...(embed ? { jwk: attackerJwk } : {}) }, payload)),
    'swapped-kid': fc.constantFrom(0, 1).map((i) => {
      const token = genuine[i]!.token;
      return `${json64({ ...header(token), kid: kids[1 - i] })}.${parts(token)[1]}.${parts(token)[2]}`;
    }),
    'spliced-signature': fc.constant(`${parts(genuine[0]!.token).slice(0, 2).join('.')}.${parts(genuine[1]!.token)[2]}`),
    truncated: fc.tuple(base, fc.nat()).map(([token, at]) => token.slice(0, at % token.length)),
    're-encoded': fc.tuple(base, fc.nat(), fc.nat({ max: 7 })).map(([token, at, how]) => {
      const i = at % token.length;
      switch (how) {
        case 0:
          return token.replace(/-/g, '+').replace(/_/g, '/');
        case 1:
          return parts(token).map((p) => p + '='.repeat((4 - (p.length % 4)) % 4)).join('.');
        case 2:
          return `${token.slice(0, i)} ${token.slice(i)}`;
        case 3:
          return token.slice(0, i) + (token[i] === token[i]!.toUpperCase() ? token[i]!.toLowerCase() : token[i]!.toUpperCase()) + token.slice(i + 1);
        case 4:
          return `${token}.${parts(token)[2]}`;
        case 5: {
          // The last character of a segment carries bits that decode to nothing: an equivalent token.
          const [h, p, s] = parts(token);
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
          return `${h}.${p}.${s!.slice(0, -1)}${alphabet[(alphabet.indexOf(s!.at(-1)!) + 1 + (at % 3)) % 64]}`;
        }
        case 6:
          return encodeURIComponent(token.replace(/\./g, '%2E'));
        default:
          return JSON.stringify({ protected: parts(token)[0], payload: parts(token)[1], signature: parts(token)[2] });
      }
    }),
  };
  return fc.oneof(...Object.entries(kinds).map(([kind, token]) => token.map((value): Forgery => ({ kind, token: value }))));
}
