// The no-secrets check over every log line the servers of a test run wrote (test/support/app.ts sends
// each app's log to its own file in the run's log folder; global-setup.ts runs this at the end).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PASSWORD } from './seed.ts';
import { STAFF_PASSWORD } from './tenants.ts';

const TEST_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Every password literal the tests type in (`PASSWORD = '…'`, `newPassword: '…'`, …), at least 10 characters. */
export function testPasswords(dir = TEST_DIR): string[] {
  const found = new Set([PASSWORD, STAFF_PASSWORD]);
  const literal = /\b(?:[A-Z_]*PASSWORD|password|currentPassword|newPassword|newPasswordRepeat)\s*[:=]\s*'([^']{10,})'/g;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    for (const match of readFileSync(join(entry.parentPath, entry.name), 'utf8').matchAll(literal)) found.add(match[1]!);
  }
  return [...found];
}

/** Shapes of the secrets the server hands out: none of them may ever reach a log. */
const SECRET_SHAPES: [string, RegExp][] = [
  ['generated password', /\b[a-km-zA-HJ-NP-Z2-9]{5}(?:-[a-km-zA-HJ-NP-Z2-9]{5}){3}\b/],
  ['customer session token', /\bsks_[A-Za-z0-9_-]{16,}/],
  ['staff session token', /\bsst_[A-Za-z0-9_-]{16,}/],
  ['password reset code', /\bskr_[A-Za-z0-9_-]{16,}/],
  ['offline token (JWT)', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/],
  ['Authorization value', /\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/i],
];

export interface LogCheck {
  files: number;
  lines: number;
  /** One entry per offending line: file, line number, what was found. */
  leaks: string[];
  /** Lines that are not pino JSON (something wrote around the logger). */
  malformed: string[];
}

export function checkLogs(dir: string, passwords = testPasswords()): LogCheck {
  const result: LogCheck = { files: 0, lines: 0, leaks: [], malformed: [] };
  if (!existsSync(dir)) return result;
  for (const name of readdirSync(dir).sort()) {
    result.files++;
    const lines = readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean);
    lines.forEach((line, i) => {
      result.lines++;
      const where = `${name}:${i + 1}`;
      for (const password of passwords) if (line.includes(password)) result.leaks.push(`${where}: a test password`);
      for (const [what, shape] of SECRET_SHAPES) if (shape.test(line)) result.leaks.push(`${where}: ${what}`);
      try {
        const entry = JSON.parse(line) as { level?: unknown; time?: unknown; msg?: unknown };
        if (typeof entry.level !== 'string' || typeof entry.time !== 'string' || typeof entry.msg !== 'string') throw new Error();
      } catch {
        result.malformed.push(`${where}: ${line.slice(0, 200)}`);
      }
    });
  }
  return result;
}

/** Throws (failing the run) on a leak, a malformed line, or log files without a single line. */
export function assertLogsClean(dir: string): LogCheck {
  const result = checkLogs(dir);
  const problems = [...result.leaks, ...result.malformed];
  if (result.files > 0 && result.lines === 0) problems.push(`${result.files} log file(s) in ${dir} and not one line: is logging broken?`);
  if (problems.length > 0) {
    throw new Error(`The servers' logs of this run are not clean (kept in ${dir}):\n${problems.slice(0, 50).join('\n')}`);
  }
  return result;
}
