// Real api processes for the stress tests (scripts/api-process.ts starts them), with the stress
// tests' defaults, and what the tests ask of such a process.
import { readFile } from 'node:fs/promises';
import { type ApiProcess, startApiProcess } from '../../../scripts/api-process.ts';

export { type ApiProcess, ownSchema } from '../../../scripts/api-process.ts';

/**
 * Starts an api process with `env` on top of a minimal environment (never the test's own DATABASE_URL
 * or REDIS_URL unless given) and resolves once /readyz answers 200.
 */
export function startApi(env: Record<string, string>): Promise<ApiProcess> {
  return startApiProcess({
    // Warnings and errors only: the kept tail of the output then shows what went wrong, not request lines.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env },
  });
}

/** Kills every process given (by pid, SIGKILL), whatever state the test left them in. */
export async function killAll(processes: (ApiProcess | undefined)[]) {
  await Promise.all(processes.map((p) => p?.kill9()));
}

/** The process's open-file limit as the kernel applies it (what `ulimit -n` set when it started). */
export async function openFileLimit(pid: number): Promise<string> {
  const limits = await readFile(`/proc/${pid}/limits`, 'utf8').catch(() => '');
  const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
  return line ? line.replace(/\s+/g, ' ').replace('Max open files ', '').trim() : 'unknown';
}

/** A GraphQL POST over HTTP; returns the HTTP status and the parsed body (null when it isn't JSON). */
export async function postGraphql(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the status tells the test what happened.
  }
  return { status: response.status, body };
}
