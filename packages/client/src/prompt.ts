// Secrets for the CLI: typed at a terminal without echo, or — when a program drives the CLI — one per
// line on standard input, so that passwords never appear in the command line (visible to `ps`).
import { read } from 'read';

let piped: Promise<string[]> | null = null;

async function stdinLines(): Promise<string[]> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.split(/\r?\n/);
}

/** Resolves to null when standard input has no line left for it. */
export async function askSecret(label: string): Promise<string | null> {
  if (process.stdin.isTTY) {
    // The prompt goes to stderr, so that stdout stays clean for --json.
    return read<string>({ prompt: `${label}: `, silent: true, replace: '', output: process.stderr }).then(String);
  }
  piped ??= stdinLines();
  const lines = await piped;
  const line = lines.shift();
  return line === undefined || (line === '' && lines.length === 0) ? null : line;
}
