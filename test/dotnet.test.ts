// The C# client library and license window (clients/dotnet/) on Mono: compiled once per run with mcs,
// then the C# test program runs against the real server (its own process, embedded database) through
// Debian's squid with Basic auth, and the license window is opened under Xvfb, activated from and
// photographed. The contract part (error codes and documents against the SDL) runs without Mono.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, ROOT, spawnTs, startApiProcess } from '../scripts/api-process.ts';
import { contractSource } from '../scripts/dotnet-contract.mjs';
import { ARTIFACTS } from './support/browser.ts';
import { ACTIVATE } from './support/operations.ts';
import { closedPort } from './support/proxy.ts';
import { type Squid, squidInstalled, startSquid } from './support/squid.ts';

const DOTNET = join(ROOT, 'clients/dotnet');
const onPath = (tool: string) => process.env.PATH!.split(':').some((dir) => existsSync(join(dir, tool)));
const mono = onPath('mcs') && onPath('mono') && onPath('xvfb-run') && onPath('import');
if (!mono) console.warn('dotnet.test.ts: the C# tests are skipped: Mono is not installed (apt-get install -y mono-complete xvfb xauth imagemagick).');
if (!squidInstalled) console.warn('dotnet.test.ts: the C# tests are skipped: Debian squid is not installed (apt-get install -y squid).');

describe('the .NET client contract', () => {
  it('Contract.g.cs is what scripts/dotnet-contract.mjs makes of today\'s SDL (else: node scripts/dotnet-contract.mjs)', () => {
    expect(readFileSync(join(DOTNET, 'src/Contract.g.cs'), 'utf8')).toBe(contractSource());
    const sdlCodes = /enum ErrorCode \{([^}]*)\}/.exec(readFileSync(join(ROOT, 'packages/schema/schema.graphql'), 'utf8'))![1]!.trim().split(/\s+/);
    expect(contractSource()).toContain(`Names = { ${sdlCodes.map((c) => `"${c}"`).join(', ')} }`);
  });

  it('every document the C# client sends validates against the SDL', () => {
    const schema = buildSchema(readFileSync(join(ROOT, 'packages/schema/schema.graphql'), 'utf8'));
    const documents = [...contractSource().matchAll(/public const string (\w+) = "((?:[^"\\]|\\.)*)";/g)];
    expect(documents.map((d) => d[1])).toEqual(['Activate', 'Renew', 'Deactivate', 'LogIn', 'MyLicenses', 'Release', 'RequestPasswordReset', 'ResetPassword', 'ChangePassword']);
    for (const [, name, text] of documents) expect(validate(schema, parse(JSON.parse(`"${text}"`))).map((e) => e.message), name).toEqual([]);
  });
});

describe.skipIf(!mono || !squidInstalled)('the C# client on Mono, through squid, against the real server', () => {
  const LOGIN = { user: 'revit', password: `proxy-${randomBytes(4).toString('hex')}` };
  let build: string;
  let api: ApiProcess;
  let squid: Squid;
  let env: NodeJS.ProcessEnv;
  let dataDir: string;

  const cli = (args: string[]) =>
    new Promise<any>((resolve, reject) => {
      const child = spawnTs('packages/api/src/cli.ts', [...args, '--json'], { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', SMTP_URL: '' });
      let out = '';
      child.stdout!.on('data', (chunk) => (out += chunk));
      child.stderr!.on('data', (chunk) => (out += chunk));
      child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`cli ${args.join(' ')}: ${out}`))));
    });

  function compile() {
    const mcs = (args: string[]) => execFileSync('mcs', ['-nologo', '-warnaserror+', ...args], { cwd: DOTNET, stdio: 'pipe' });
    const sources = (dir: string) => execFileSync('sh', ['-c', `ls ${dir}/*.cs`], { cwd: DOTNET, encoding: 'utf8' }).trim().split('\n');
    mcs(['-target:library', `-out:${build}/Slotkeeper.dll`, '-r:System.Net.Http.dll', ...sources('src')]);
    mcs(['-target:library', `-out:${build}/Slotkeeper.Forms.dll`, `-r:${build}/Slotkeeper.dll`, '-r:System.Windows.Forms.dll', '-r:System.Drawing.dll', ...sources('forms')]);
    mcs([`-out:${build}/Tests.exe`, `-r:${build}/Slotkeeper.dll`, `-r:${build}/Slotkeeper.Forms.dll`, '-r:System.Net.Http.dll', 'tests/Tests.cs']);
    mcs([`-out:${build}/WindowShot.exe`, `-r:${build}/Slotkeeper.dll`, `-r:${build}/Slotkeeper.Forms.dll`, '-r:System.Windows.Forms.dll', 'tests/WindowShot.cs']);
  }

  beforeAll(async () => {
    build = mkdtempSync(join(tmpdir(), 'slotkeeper-dotnet-'));
    dataDir = join(build, 'data');
    compile();
    squid = await startSquid(LOGIN);
    api = await startApiProcess({
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', SMTP_URL: '', KEY_ENCRYPTION_KEY: '', NODE_ENV: 'development', BCRYPT_COST: '4' },
    });
    const tag = randomBytes(3).toString('hex');
    const [product, edProduct] = await Promise.all([
      cli(['product', 'create', '--code', `revit-${tag}`, '--name', 'Revit Tools', '--token-alg', 'RS256', '--support', 'https://vendor.example/support', '--max-borrow', '7d']),
      cli(['product', 'create', '--code', `ed-${tag}`, '--name', 'Ed Tools']),
    ]);
    const email = (n: number) => `revit-user${n}-${tag}@example.com`;
    const [user1, user2] = await Promise.all([
      cli(['license', 'issue', '--email', email(1), '--product', product.code, '--seats', '3', '--expires', '+365d']),
      cli(['license', 'issue', '--email', email(2), '--product', product.code, '--seats', '1', '--expires', '+365d']),
    ]);
    await cli(['license', 'issue', '--email', email(1), '--product', edProduct.code, '--seats', '1', '--expires', '+365d']);
    const activation = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: ACTIVATE,
        variables: { input: { email: email(1), password: user1.password, product: edProduct.code, fingerprint: 'fingerprint-revit-pc-a', machineName: 'ed', osUser: 'ed' } },
      }),
    }).then((r) => r.json());
    const jwksFile = join(build, 'jwks.json');
    writeFileSync(jwksFile, await (await fetch(`${api.url}/.well-known/jwks.json`)).text());
    env = {
      ...process.env,
      SK_SERVER: api.url,
      SK_PRODUCT: product.code,
      SK_JWKS_FILE: jwksFile,
      SK_STATE_ROOT: join(build, 'state'),
      SK_PROXY: squid.address,
      SK_PROXY_LOGIN: LOGIN.user,
      SK_PROXY_PASSWORD: LOGIN.password,
      SK_USER1_EMAIL: email(1),
      SK_USER1_PASSWORD: user1.password,
      SK_USER2_EMAIL: email(2),
      SK_USER2_PASSWORD: user2.password,
      SK_CLOSED_PORT: String(await closedPort()),
      SK_EDDSA_TOKEN: activation.data.activateMachine.token,
    };
  }, 240_000);

  afterAll(async () => {
    await api?.stop();
    await squid?.stop();
    if (build) rmSync(build, { recursive: true, force: true });
  });

  it('the license window, after an activation from it, shows the nine controls in order and lists the machine', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const png = join(ARTIFACTS, 'dotnet-license-window.png');
    rmSync(png, { force: true });
    const before = (await squid.accessLog(0)).length;
    const out = execFileSync('xvfb-run', ['-a', '-s', '-screen 0 1024x768x24', 'mono', join(build, 'WindowShot.exe'), png], { env, encoding: 'utf8', timeout: 120_000 });
    const controls = [...out.matchAll(/^CONTROL: (\w+)$/gm)].map((m) => m[1]!);
    const nine = ['login', 'password', 'activate', 'deactivate', 'restorePassword', 'newPassword', 'newPasswordRepeat', 'licenseManager', 'licenses', 'proxyHost', 'proxyLogin', 'proxyPassword', 'proxySave', 'links'];
    expect(controls.filter((name) => nine.includes(name))).toEqual(nine);
    expect(out).toMatch(/^STATUS: Activated: The license is valid until \d{4}-\d{2}-\d{2}\.$/m);
    expect(out).toMatch(/^ROW: Revit Tools \| 1 of 3 \| revit-pc-window \| designer \| /m);
    expect(out).toContain('CONTROL: linkSupport');
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    // A window drawn blank (as Mono's DrawToBitmap drew it) has one or two colours; text, fields and the list have many.
    expect(Number(execFileSync('identify', ['-format', '%k', png], { encoding: 'utf8' }))).toBeGreaterThan(20);
    // activateMachine, logIn, myLicenses: all through the proxy, with its login. HttpClient sends the
    // login only when challenged, so each request is first refused with 407, then answered.
    const through = (await squid.accessLog(before + 6)).slice(before).map((l) => `${l.status} ${l.method} ${l.url} ${l.user}`);
    expect(through).toEqual(
      Array(3)
        .fill([`TCP_DENIED/407 POST ${api.url}/graphql -`, `TCP_MISS/200 POST ${api.url}/graphql ${LOGIN.user}`])
        .flat(),
    );
  }, 180_000);

  it('the C# test program: every case passes, the offline check with the server stopped too', async () => {
    const child: ChildProcess = spawn('mono', [join(build, 'Tests.exe')], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stderr!.on('data', (chunk) => (out += chunk));
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdout!.on('data', async (chunk) => {
      out += chunk;
      if (chunk.toString().includes('STOP-SERVER')) {
        await api.stop();
        child.stdin!.write('stopped\n');
      }
    });
    const code = await done;
    const cases = (readFileSync(join(DOTNET, 'tests/Tests.cs'), 'utf8').match(/cases\.Add\(new Case\(/g) ?? []).length;
    expect(cases).toBe(19);
    expect(out, out).toContain(`${cases} passed, 0 failed`);
    expect(code).toBe(0);
  }, 180_000);
});
