// Bad configuration, as the person starting the server meets it: every kind of bad value stops the
// start with one line that names the variable, and no stack trace.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../packages/api/src/config.ts';
import { spawnTs } from '../scripts/api-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'slotkeeper-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** One bad value of each kind the configuration reads, with the variable its message must name. */
const BAD: [kind: string, env: Record<string, string>, variable: string][] = [
  ['a number that is not one', { PORT: 'four thousand' }, 'PORT'],
  ['a number out of range', { BCRYPT_COST: '31' }, 'BCRYPT_COST'],
  ['an unparsable URL', { PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
  ['a URL of the wrong scheme', { SMTP_URL: 'http://mail.example.com' }, 'SMTP_URL'],
  ['a boolean that is neither', { GRAPHQL_INTROSPECTION: 'maybe' }, 'GRAPHQL_INTROSPECTION'],
  ['a word not on the list', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ['a malformed e-mail address', { MAIL_REPLY_TO: 'support at example' }, 'MAIL_REPLY_TO'],
  ['a malformed host name', { SMTP_NAME: 'mail_server!' }, 'SMTP_NAME'],
  ['a key of the wrong length', { KEY_ENCRYPTION_KEY: 'c2hvcnQ=' }, 'KEY_ENCRYPTION_KEY'],
  ['a token too short', { METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
  ['an address list with a bad entry', { TRUSTED_PROXIES: '10.0.0.0/99' }, 'TRUSTED_PROXIES'],
  ['an origin list with a bad entry', { CORS_ORIGINS: 'admin.example.com' }, 'CORS_ORIGINS'],
  ['one of a pair without the other', { ADMIN_EMAIL: 'ops@vendor.example' }, 'ADMIN_PASSWORD'],
  ['a weak first admin password', { ADMIN_EMAIL: 'ops@vendor.example', ADMIN_PASSWORD: 'password' }, 'ADMIN_PASSWORD'],
  ['a first admin password on the leaked list', { ADMIN_EMAIL: 'ops@vendor.example', ADMIN_PASSWORD: 'qwertyuiop123' }, 'ADMIN_PASSWORD'],
  ['a malformed first admin e-mail', { ADMIN_EMAIL: 'ops', ADMIN_PASSWORD: 'Long-Enough-Secret-7' }, 'ADMIN_EMAIL'],
  ['two settings that contradict', { HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' }, 'HTTP_REQUEST_TIMEOUT_MS'],
];

describe('loadConfig', () => {
  it.each(BAD)('refuses %s with a message naming the variable', (_kind, env, variable) => {
    let error: unknown;
    try {
      loadConfig(env, '');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(variable);
    expect((error as Error).message).not.toContain('\n');
  });

  it('accepts a strong first admin password', () => {
    expect(loadConfig({ ADMIN_EMAIL: 'ops@vendor.example', ADMIN_PASSWORD: 'Long-Enough-Secret-7' }, '').admin).toEqual({
      email: 'ops@vendor.example',
      password: 'Long-Enough-Secret-7',
    });
  });
});

/** Starts the server with these settings and returns how it ended: exit code and stderr. */
function start(settings: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawnTs('packages/api/src/main.ts', [], {
    ...process.env,
    DATABASE_URL: '',
    REDIS_URL: '',
    SMTP_URL: '',
    KEY_ENCRYPTION_KEY: '',
    ADMIN_EMAIL: '',
    ADMIN_PASSWORD: '',
    BCRYPT_COST: '4',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    ...settings,
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    }),
  );
}

const STACK_LINE = /^\s+at /m;

describe('the server started with a bad setting', () => {
  it('stops with one line naming the variable and no stack, for each kind of failure', { timeout: 120_000 }, async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const cases: [Record<string, string>, RegExp][] = [
        [{ ADMIN_EMAIL: 'ops@vendor.example', ADMIN_PASSWORD: 'short' }, /^Configuration error: ADMIN_PASSWORD is refused: Use at least 12 characters\.$/],
        [{ PORT: '70000' }, /^Configuration error: PORT must be a whole number from 0 to 65535 \(got "70000"\)\.$/],
        [{ DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none' }, /^Configuration error: DATABASE_URL: cannot open the database \(ECONNREFUSED/],
        [{ PORT: String(port) }, new RegExp(`^Configuration error: PORT ${port} on HOST 127\\.0\\.0\\.1 is in use by another program \\(EADDRINUSE\\): set PORT`)],
      ];
      // One after the other: the two that get as far as the data folder may not hold it at once.
      for (const [settings, message] of cases) {
        const { code, stderr, stdout } = await start(settings);
        expect(code, stderr).toBe(1);
        const lines = stderr.trim().split('\n');
        expect(lines, stderr).toHaveLength(1);
        expect(lines[0]).toMatch(message);
        expect(stderr).not.toMatch(STACK_LINE);
        expect(stdout).not.toMatch(STACK_LINE);
      }
    } finally {
      taken.close();
    }
  });
});
