// What every `td` command gets: resolved settings, an API client, output streams, and the
// conventions for ending with an error.
//
// Output contract: results go to stdout, notices and hints to stderr (as td does). A command
// that fails throws CliError (lines already worded, printed to stderr, exit code 1) or lets an
// ApiError / TributaryError escape, which the runner prints as `Error: <message>`.

import { TdClient } from '../../td/client.js';
import { type GlobalOptions, Settings, TdConfigError } from './config.js';

export const PROG = 'td';
export const VERSION = '0.1.0';

/** A failure whose text is final: each line goes to stderr as is. */
export class CliError extends Error {
  constructor(
    readonly lines: string[],
    readonly exitCode = 1,
  ) {
    super(lines.join('\n'));
  }
}

/** The account has no API key (td: "TreasureData account is not configured yet."). */
export class NotConfiguredError extends CliError {
  constructor(detail?: string) {
    super([
      ...(detail ? [detail] : []),
      'TreasureData account is not configured yet.',
      `Run '${PROG} apikey:set <apikey>' (or set TD_API_KEY, or pass -k) first.`,
    ]);
  }
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdin: NodeJS.ReadableStream;
  stderrColumns: number;
}

export function processIo(): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdin: process.stdin,
    stderrColumns: process.stderr.columns || 80,
  };
}

export class Ctx {
  readonly settings: Settings;
  private apiClient: TdClient | undefined;
  private importApiClient: TdClient | undefined;

  constructor(
    readonly flags: GlobalOptions,
    readonly env: NodeJS.ProcessEnv,
    readonly io: Io,
  ) {
    this.settings = new Settings(flags, env);
  }

  /** Print a line (newline added) to stdout. */
  puts(line = ''): void {
    this.io.out(`${line}\n`);
  }

  /** Print a line (newline added) to stderr. */
  warn(line = ''): void {
    this.io.err(`${line}\n`);
  }

  get verbose(): boolean {
    return Boolean(this.flags.verbose) || this.env.TD_TOOLBELT_DEBUG !== undefined;
  }

  client(): TdClient {
    this.apiClient ??= this.newClient(this.settings.endpoint);
    return this.apiClient;
  }

  importClient(): TdClient {
    const ep = this.settings.importEndpoint;
    if (ep === this.settings.endpoint) return this.client();
    this.importApiClient ??= this.newClient(ep);
    return this.importApiClient;
  }

  /** A client that needs no API key (server_status). */
  anonymousClient(endpoint = this.settings.endpoint): TdClient {
    return new TdClient({
      apikey: '',
      ...(endpoint ? { endpoint } : {}),
      ssl: !this.flags.insecure,
      userAgent: `TD: ${VERSION}`,
    });
  }

  private newClient(endpoint: string | undefined): TdClient {
    let apikey: string | undefined;
    try {
      apikey = this.settings.apikey;
    } catch (e) {
      if (e instanceof TdConfigError) throw new NotConfiguredError(e.message);
      throw e;
    }
    if (!apikey) throw new NotConfiguredError();
    return new TdClient({
      apikey,
      ...(endpoint ? { endpoint } : {}),
      ssl: !this.flags.insecure,
      userAgent: `TD: ${VERSION}`,
      headers: this.settings.headers,
      getRetry: {
        initialDelayMs: 1000,
        maxCumulativeDelayMs: 15_000,
        onRetry: (msg) => this.warn(`Error ${msg}`),
      },
    });
  }

  /** The `-k`/`-e` part of hints, as td prints them ("td -e URL table:create ..."); the key itself
   *  is never echoed. */
  clOptions(): string {
    let s = '';
    if (this.flags.apikey) s += '-k <apikey> ';
    if (this.flags.endpoint) s += `-e ${this.flags.endpoint} `;
    if (this.flags.importEndpoint) s += `--import-endpoint ${this.flags.importEndpoint} `;
    return s;
  }

  close(): void {
    this.apiClient?.close();
    this.importApiClient?.close();
  }
}
