// The floor of P1 and P2: the unavoidable work of a renewal, a license list and an activation, written
// by hand on node:http + pg + node:crypto (+ bcrypt for the password), nothing else: no GraphQL, no
// framework, no logging. It answers the api's own request bodies with the same JSON shapes, so the
// driver measures both the same way. Reads PORT, HOST, DATABASE_URL (with `?schema=`), FLOOR_KEY
// (base64 PKCS#8 Ed25519 private key), FLOOR_KID, FLOOR_ISSUER; GET /ready answers once it listens.
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign, verify } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import bcrypt from 'bcrypt';
import pg from 'pg';

// pg reads and writes `timestamp` columns in local time; Prisma keeps them in UTC.
process.env.TZ = 'UTC';

const url = new URL(process.env.DATABASE_URL!);
const schema = url.searchParams.get('schema') ?? 'public';
url.searchParams.delete('schema');
const pool = new pg.Pool({ connectionString: url.toString(), max: 10, options: `-c search_path="${schema}"` });
const privateKey = createPrivateKey({ key: Buffer.from(process.env.FLOOR_KEY!, 'base64'), format: 'der', type: 'pkcs8' });
const publicKey = createPublicKey(privateKey);
const kid = process.env.FLOOR_KID!;
const issuer = process.env.FLOOR_ISSUER!;
const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid, typ: 'slot+jwt' })).toString('base64url');

function signToken(claims: Record<string, unknown>): string {
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
}

function verifyToken(token: string): Record<string, any> | null {
  const [h, p, s] = token.split('.');
  if (!h || !p || !s || h !== header) return null;
  if (!verify(null, Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))) return null;
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, any>;
  return claims.iss === issuer ? claims : null;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const LICENSE_COLUMNS = `l."id", l."seats", l."startsAt", l."expiresAt", p."code", p."name", p."websiteUrl", p."documentationUrl", p."supportUrl", p."purchaseUrl"`;
const licenseJson = (r: Record<string, any>) => ({
  id: r.id,
  seats: r.seats,
  seatsUsed: r.seatsUsed,
  expiresAt: r.expiresAt.toISOString(),
  product: { code: r.code, name: r.name, links: { website: r.websiteUrl, documentation: r.documentationUrl, support: r.supportUrl, purchase: r.purchaseUrl } },
});
const failure = (code: string) => ({ __typename: 'Failure', code, message: code });

async function renew(input: { token: string }) {
  const claims = verifyToken(input.token);
  if (!claims) return failure('INVALID_TOKEN');
  const now = new Date();
  const { rows } = await pool.query(
    `WITH renewed AS (
       UPDATE "Activation" a SET "lastSeenAt" = $1::timestamp(3), "tokenKid" = $2,
         "tokenExpiresAt" = CASE WHEN p."leaseSeconds" IS NULL THEN l."expiresAt" ELSE LEAST(l."expiresAt", $1::timestamp(3) + p."leaseSeconds" * interval '1 second') END
       FROM "License" l JOIN "Product" p ON p."id" = l."productId"
       WHERE a."id" = $3 AND a."licenseId" = $4 AND a."fingerprintHash" = $5 AND a."releasedAt" IS NULL
         AND l."id" = a."licenseId" AND l."status" = 'ACTIVE' AND l."expiresAt" > $1::timestamp(3)
       RETURNING a."id" AS "activationId", a."fingerprintHash", a."tokenExpiresAt", ${LICENSE_COLUMNS})
     SELECT renewed.*, (SELECT count(*)::int FROM "Activation" u WHERE u."licenseId" = renewed."id" AND u."releasedAt" IS NULL) AS "seatsUsed"
     FROM renewed`,
    [now, kid, claims.sub, claims.lic, claims.fp],
  );
  const row = rows[0];
  if (!row) return failure('REFUSED');
  const token = signToken({
    lic: row.id, fp: row.fingerprintHash, seats: row.seats, iss: issuer, sub: row.activationId, aud: row.code,
    iat: seconds(now), nbf: seconds(row.startsAt), exp: seconds(row.tokenExpiresAt),
  });
  return { __typename: 'RenewTokenSuccess', token, activation: { id: row.activationId }, license: licenseJson(row) };
}

async function activate(input: Record<string, string>) {
  const email = input.email!.trim().toLowerCase();
  const customer = (await pool.query(`SELECT "id", "passwordHash" FROM "Customer" WHERE "email" = $1`, [email])).rows[0];
  if (!customer || !(await bcrypt.compare(input.password!, customer.passwordHash))) return failure('INVALID_CREDENTIALS');
  const fp = sha256(input.fingerprint!);
  const now = new Date();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const licenses = (
      await client.query(
        `SELECT ${LICENSE_COLUMNS}, p."leaseSeconds" FROM "License" l JOIN "Product" p ON p."id" = l."productId"
         WHERE l."customerId" = $1 AND p."code" = $2 AND l."status" = 'ACTIVE' AND l."expiresAt" > $3 ORDER BY l."id" FOR UPDATE OF l`,
        [customer.id, input.product, now],
      )
    ).rows;
    const used = (
      await client.query(`SELECT "licenseId", count(*)::int AS n FROM "Activation" WHERE "licenseId" = ANY($1) AND "releasedAt" IS NULL GROUP BY 1`, [
        licenses.map((l) => l.id),
      ])
    ).rows;
    const license = licenses.find((l) => (used.find((u) => u.licenseId === l.id)?.n ?? 0) < l.seats);
    if (!license) {
      await client.query('ROLLBACK');
      return failure('NO_FREE_SLOT');
    }
    license.seatsUsed = (used.find((u) => u.licenseId === license.id)?.n ?? 0) + 1;
    const exp = license.leaseSeconds == null ? license.expiresAt : new Date(Math.min(license.expiresAt.getTime(), now.getTime() + license.leaseSeconds * 1000));
    const id = randomUUID();
    await client.query(
      `INSERT INTO "Activation" ("id", "licenseId", "fingerprintHash", "machineName", "osUser", "activatedAt", "lastSeenAt", "tokenKid", "tokenExpiresAt")
       VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)`,
      [id, license.id, fp, input.machineName, input.osUser, now, kid, exp],
    );
    await client.query('COMMIT');
    const token = signToken({ lic: license.id, fp, seats: license.seats, iss: issuer, sub: id, aud: license.code, iat: seconds(now), nbf: seconds(license.startsAt), exp: seconds(exp) });
    return { __typename: 'ActivateMachineSuccess', token, activation: { id }, license: licenseJson(license) };
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

async function myLicenses(authorization: string | undefined) {
  const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
  const { rows } = await pool.query(
    `SELECT ${LICENSE_COLUMNS}, l."status", (SELECT count(*)::int FROM "Activation" u WHERE u."licenseId" = l."id" AND u."releasedAt" IS NULL) AS "seatsUsed",
       (SELECT coalesce(json_agg(json_build_object('id', a."id", 'machineName', a."machineName", 'osUser', a."osUser", 'activatedAt', a."activatedAt", 'lastSeenAt', a."lastSeenAt") ORDER BY a."activatedAt"), '[]')
        FROM "Activation" a WHERE a."licenseId" = l."id" AND a."releasedAt" IS NULL) AS "activations"
     FROM "Session" s JOIN "License" l ON l."customerId" = s."customerId" JOIN "Product" p ON p."id" = l."productId"
     WHERE s."tokenHash" = $1 AND s."expiresAt" > now() ORDER BY l."expiresAt" DESC`,
    [sha256(token)],
  );
  return rows.map((r) => ({ ...licenseJson(r), startsAt: r.startsAt.toISOString(), status: r.status, activations: r.activations }));
}

async function answer(request: IncomingMessage, response: ServerResponse) {
  if (request.method === 'GET') return void response.writeHead(request.url === '/ready' ? 200 : 404).end();
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const { query, variables } = JSON.parse(Buffer.concat(chunks).toString()) as { query: string; variables?: { input?: any } };
  let data: unknown;
  if (query.includes('renewToken')) data = { result: await renew(variables!.input) };
  else if (query.includes('activateMachine')) data = { result: await activate(variables!.input) };
  else if (query.includes('myLicenses')) data = { myLicenses: await myLicenses(request.headers.authorization) };
  else return void response.writeHead(400).end();
  const body = JSON.stringify({ data });
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}

const server = createServer((request, response) => {
  answer(request, response).catch((error: unknown) => {
    console.error(error);
    response.writeHead(500).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
