import { parseArgs } from 'node:util';
import { KeyDecryptionError } from '@slotkeeper/schema/services/signing-key';
import { ConfigError, loadConfig } from './config.ts';
import { keepDataDirPrivate, lockDataDir } from './data-dir-lock.ts';
import { type Args, type CommandOutcome, callOperatorSocket, commands, findCommand, runCommand } from './operator.ts';

const HELP = `Slotkeeper operator CLI

Usage: pnpm cli <command> [options] [--json]

Commands:
${Object.values(commands)
  .map((c) => `  ${c.usage}`)
  .join('\n')}

With DATABASE_URL set the CLI works on that database. On the embedded database it works on DATA_DIR,
or through the running server when one holds that folder.`;

async function execute(name: string, args: Args): Promise<CommandOutcome> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    const lock = lockDataDir(config.dataDir, { role: 'cli' });
    if (!lock.acquired) {
      const { holder } = lock;
      if (holder.role === 'server' && holder.socket) {
        try {
          return await callOperatorSocket(holder.socket, name, args);
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
      return await runLocally(config, name, args);
    } finally {
      lock.release();
    }
  }
  return runLocally(config, name, args);
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
  const outcome = await execute(found.name, args);
  if (values.json) {
    print(JSON.stringify(outcome.ok ? outcome.result : { error: outcome.error }, null, 2));
  } else if (outcome.ok) {
    print(found.command.text(outcome.result as never));
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
