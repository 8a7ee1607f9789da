// The `td` command line: global options (before the command, as td's optparse `order!` takes
// them), the command table with td's aliases, and the error conventions:
//   unknown command      stderr "'foo' is not a td command. Run 'td' to show the list."  exit 1
//   bad usage            stderr "Error: <what>" + the command's usage                      exit 1
//   API / other failure  stderr "Error: <message>" (Auth/Forbidden/NotFound: "<Kind> - ")  exit 1
// Decision: td prints "Error: ..." on stdout; we print it on stderr so stdout holds only results.

import { Command, CommanderError } from 'commander';
import { TributaryError } from '../../core/errors.js';
import { ApiError } from '../../td/api-error.js';
import { parseEndpoint } from '../../td/endpoint.js';
import { registerAccount } from './account.js';
import type { GlobalOptions } from './config.js';
import { CliError, Ctx, type Io, PROG, VERSION } from './context.js';
import { registerDb } from './db.js';
import { registerImport } from './import.js';
import { registerJob } from './job.js';
import { registerQuery } from './query.js';
import { registerTable } from './table.js';

/** Commands that work without reaching the API server (no `-e` probe for them). */
const OFFLINE = new Set(['apikey:show', 'apikey:set', 'help']);

const GUESS: Record<string, string> = {
  'show-job': 'job:show',
  'show-jobs': 'job:list',
  'server-status': 'server:status',
};

export function usageText(): string {
  return `usage: ${PROG} [options] COMMAND [args]

options:
  -c, --config PATH                path to the configuration file (default: ~/.td/td.conf)
  -k, --apikey KEY                 use this API key instead of reading the config file
  -e, --endpoint API_SERVER        specify the URL for API server to use (default: https://api.treasuredata.com).
                                     A bare host[:port] means https (http with --insecure).
      --import-endpoint API_IMPORT_SERVER
                                   specify the URL for API Import server to use (default: the API server)
      --insecure                   Insecure access: disable SSL for a bare host endpoint
  -v, --verbose                    verbose mode
  -r, --retry-post-requests        retry on failed post requests (accepted; POSTs are not retried)
  -h, --help                       show help
      --version                    show version

Basic commands:

  db             # create/delete/list databases
  table          # create/delete/list/tail tables
  query          # issue a query
  job            # show/kill/list jobs
  import         # import json/csv/tsv/msgpack files into a table

Additional commands:

  apikey         # show/set API key
  server         # show status of the Treasure Data server
  help           # show help messages

Type '${PROG} help COMMAND' for more information on a specific command.
`;
}

export interface CommandEnv {
  ctx(): Ctx;
}

/** `-w30` / `--wait=30` give td's optional wait timeout; a bare `-w` never takes the next word. */
function normalizeWaitArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (const a of argv) {
    const m = /^(?:-w|--wait=)(\d+)$/.exec(a);
    if (m) out.push('--wait', '--wait-timeout', m[1] as string);
    else out.push(a);
  }
  return out;
}

function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0] as number;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j] as number;
      dp[j] = Math.min(tmp + 1, (dp[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length] as number;
}

function validateCliEndpoint(url: string): void {
  let ep: ReturnType<typeof parseEndpoint>;
  try {
    ep = parseEndpoint(url);
  } catch {
    throw new CliError([
      "Error: API server endpoint URL must use 'http' or 'https' protocol. Example format: 'https://api.treasuredata.com'",
    ]);
  }
  if (ep.basePath !== '') {
    throw new CliError([
      `Error: API server path must be empty ('${ep.basePath}' provided). Example format: 'https://api.treasuredata.com'`,
    ]);
  }
}

/** Runs one `td` invocation; resolves to the exit code. */
export async function runTd(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let ctx: Ctx | undefined;
  const program = new Command(PROG);
  const getCtx = () => {
    ctx ??= new Ctx(program.opts<GlobalOptions>(), env, io);
    return ctx;
  };
  program
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => {} })
    .option('-c, --config <path>', 'path to the configuration file (default: ~/.td/td.conf)')
    .option('-k, --apikey <key>', 'use this API key instead of reading the config file')
    .option('-e, --endpoint <url>', 'URL of the API server')
    .option('--import-endpoint <url>', 'URL of the API import server')
    .option('--insecure', 'disable SSL for a bare host endpoint')
    .option('-v, --verbose', 'verbose mode')
    .option('-r, --retry-post-requests', 'retry on failed post requests')
    .version(VERSION, '--version', 'show version');
  program.helpInformation = () => usageText();
  program.helpCommand('help [command]', 'show help messages');

  const cenv: CommandEnv = { ctx: getCtx };
  registerDb(program, cenv);
  registerTable(program, cenv);
  registerQuery(program, cenv);
  registerJob(program, cenv);
  registerImport(program, cenv);
  registerAccount(program, cenv);
  for (const sub of program.commands) {
    sub.exitOverride((err) => {
      throw Object.assign(err, { failedCommand: sub });
    });
  }

  // Anything that is not a command lands here (allowed only on the program itself).
  program
    .argument('[command]')
    .allowUnknownOption()
    .allowExcessArguments()
    .action((cmd: string | undefined) => {
      if (cmd === undefined) {
        io.out(usageText());
        return;
      }
      const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
      const lines = [`'${cmd}' is not a ${PROG} command. Run '${PROG}' to show the list.`];
      const guess = GUESS[cmd] ?? closest(cmd, names);
      if (guess) lines.push(`Did you mean this?: ${guess}`);
      throw new CliError(lines);
    });

  program.hook('preAction', async (_self, action) => {
    if (action === program) return;
    const c = getCtx();
    if (c.flags.endpoint) validateCliEndpoint(c.flags.endpoint);
    if (c.flags.importEndpoint) validateCliEndpoint(c.flags.importEndpoint);
    if (c.flags.endpoint && !OFFLINE.has(action.name())) {
      const probe = c.anonymousClient(c.flags.endpoint);
      try {
        await probe.serverStatus();
      } catch {
        throw new CliError([
          `Error: The specified API server endpoint (${c.flags.endpoint}) does not respond.`,
        ]);
      } finally {
        probe.close();
      }
    }
  });

  try {
    await program.parseAsync(normalizeWaitArgs(argv), { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(
      e,
      io,
      Boolean(program.opts<GlobalOptions>().verbose) || env.TD_TOOLBELT_DEBUG !== undefined,
    );
  } finally {
    ctx?.close();
  }
}

function reportError(e: unknown, io: Io, verbose: boolean): number {
  const err = (s: string) => io.err(`${s}\n`);
  if (e instanceof CommanderError) {
    if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(e.code)) return 0;
    const sub = (e as CommanderError & { failedCommand?: Command }).failedCommand;
    const text = e.message.replace(/^error: /, '');
    err(`Error: ${text.charAt(0).toUpperCase()}${text.slice(1)}`);
    if (sub) io.err(sub.helpInformation());
    return 1;
  }
  if (e instanceof CliError) {
    for (const line of e.lines) err(line);
    return e.exitCode;
  }
  if (e instanceof ApiError) {
    if (e.stacktrace && verbose) {
      err('Error backtrace from server:');
      for (const l of e.stacktrace.split('\n')) err(`  ${l}`);
    }
    const kind = ['ForbiddenError', 'NotFoundError', 'AuthError'].includes(e.kind) ? `${e.kind} - ` : '';
    err(`Error: ${kind}${e.message}`);
    return 1;
  }
  if (e instanceof TributaryError) {
    err(`Error: ${e.message}`);
    return 1;
  }
  const ex = e as Error;
  if (verbose && ex?.stack) err(ex.stack);
  err(`Error: ${ex?.message ?? String(e)}`);
  return 1;
}
