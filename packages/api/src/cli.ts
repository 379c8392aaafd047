import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KeyDecryptionError } from '@slotkeeper/schema/services/signing-key';
import { ConfigError, loadConfig } from './config.ts';
import { hasEmbeddedDatabase, keepDataDirPrivate, lockDataDir } from './data-dir-lock.ts';
import { type Args, type CommandOutcome, callOperatorSocket, commands, findCommand, runCommand } from './operator.ts';

const HELP = `Slotkeeper operator CLI

Usage: pnpm cli <command> [options] [--json]

Commands:
${Object.values(commands)
  .map((c) => `  ${c.usage}`)
  .join('\n')}

With DATABASE_URL set the CLI works on that database. On the embedded database it works on DATA_DIR,
or through the running server when one holds that folder.`;

/** Where a command ran, for the line that tells the operator which database it changed. */
function postgresTarget(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}, schema ${url.searchParams.get('schema') ?? 'public'} (DATABASE_URL)`;
}

/**
 * A data folder with no database in it, that no server holds, is most likely a mistyped or another
 * working folder's DATA_DIR: a command there would make a new, empty database and report success on
 * it. Only `migrate` creates one on purpose (as the server's first start does).
 */
function refuseEmptyDataDir(dataDir: string, name: string) {
  if (name === 'migrate' || hasEmbeddedDatabase(dataDir)) return;
  throw new ConfigError(
    `No Slotkeeper database in ${dataDir} (DATA_DIR), and no server runs on it. Run the command where the ` +
      'server runs (or with its DATA_DIR or DATABASE_URL), or create a database there first: pnpm start, or pnpm cli migrate.',
  );
}

async function execute(name: string, args: Args): Promise<{ outcome: CommandOutcome; target: string }> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    const embedded = `the embedded database in ${config.dataDir} (DATA_DIR)`;
    // Checked before the lock, which would create the folder.
    if (!existsSync(join(config.dataDir, 'slotkeeper.lock'))) refuseEmptyDataDir(config.dataDir, name);
    const lock = lockDataDir(config.dataDir, { role: 'cli' });
    if (!lock.acquired) {
      const { holder } = lock;
      if (holder.role === 'server' && holder.socket) {
        try {
          return { outcome: await callOperatorSocket(holder.socket, name, args), target: `${embedded}, through the server (pid ${holder.pid})` };
        } catch (error) {
          throw new ConfigError(
            `The server (pid ${holder.pid}) holds ${config.dataDir} but does not answer on ${holder.socket} ` +
              `(${(error as Error).message}). Wait until it has started, or stop it and run the command again.`,
          );
        }
      }
      throw new ConfigError(
        `${config.dataDir} is in use by another Slotkeeper ${holder.role} (pid ${holder.pid}); run the command when it has finished.`,
      );
    }
    try {
      // A lock left by a process that died: no server after all.
      refuseEmptyDataDir(config.dataDir, name);
      return { outcome: await runLocally(config, name, args), target: embedded };
    } finally {
      lock.release();
    }
  }
  return { outcome: await runLocally(config, name, args), target: postgresTarget(config.databaseUrl) };
}

async function runLocally(config: ReturnType<typeof loadConfig>, name: string, args: Args) {
  // Loaded only here: commands sent to a running server don't pay for loading the whole app.
  const { createApp } = await import('./app.ts');
  const { createLogger } = await import('./logger.ts');
  // stdout is the command's output: the app's log lines go to stderr.
  const app = await createApp(config, { logger: createLogger(config, { fd: 2 }) });
  if (!config.databaseUrl) keepDataDirPrivate(config.dataDir);
  try {
    return await runCommand(app, name, args);
  } finally {
    await app.close();
  }
}

// Every `--name VALUE` in a command's usage takes a value: undeclared, parseArgs (strict: false)
// would read it as a boolean flag and the value as a stray positional.
const valueOptions = Object.fromEntries(
  Object.values(commands).flatMap((c) => [...c.usage.matchAll(/--([a-z-]+) [A-Z]/g)].map((m) => [m[1]!, { type: 'string' as const }])),
);

// stdout carries the command's output only (with --json, one JSON document): whatever the app logs
// meanwhile (the mail worker's "mail held" notice, say) goes to stderr.
const print = (text: string) => void process.stdout.write(`${text}\n`);
console.log = console.info = console.error;

async function main(argv: string[]): Promise<number> {
  // A CLI run that opens the embedded database may create its files: they are its user's alone.
  process.umask(0o077);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { ...valueOptions, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const found = findCommand(positionals);
  if (values.help || !found) {
    if (!values.help) console.error(positionals.length ? `Unknown command: ${positionals.join(' ')}\n` : '');
    print(HELP);
    return values.help ? 0 : 2;
  }
  const args: Args = { ...found.args };
  for (const [key, value] of Object.entries(values)) {
    if (key !== 'json' && key !== 'help') args[key] = typeof value === 'string' ? value : undefined;
  }
  const { outcome, target } = await execute(found.name, args);
  if (values.json) {
    print(JSON.stringify(outcome.ok ? outcome.result : { error: outcome.error }, null, 2));
  } else if (outcome.ok) {
    print(found.command.text(outcome.result as never));
    // On stderr, so that the output itself stays what the command printed.
    console.error(`(on ${target})`);
  } else {
    console.error(`Error (${outcome.error?.code}): ${outcome.error?.message}`);
  }
  if (outcome.ok) return 0;
  return outcome.error?.code === 'USAGE' ? 2 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError || error instanceof KeyDecryptionError ? `Error: ${error.message}` : error);
    process.exit(1);
  },
);
