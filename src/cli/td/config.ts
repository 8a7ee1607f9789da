// The td CLI's account file and the settings it resolves (spec/treasure-data.md §3.1).
//
// File format (~/.td/td.conf, or $TREASURE_DATA_CONFIG_PATH / $TD_CONFIG_PATH / -c PATH):
//
//   [account]
//     user = me@example.com
//     apikey = 1/0123456789abcdef0123456789abcdef01234567
//     endpoint = http://127.0.0.1:8080
//
// Lines are trimmed; `#` starts a comment line; `[section]` opens a section; `key = value` sets
// `section.key`. Any other line is an error ("invalid config line ..."), as in td. One deliberate
// difference: td also rejects blank lines; we skip them, so every file td accepts reads the same.
// Written back as td writes it: `[section]` then `  key = value` lines.
//
// Precedence for each setting: command-line flag > environment > file.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TributaryError } from '../../core/errors.js';

export class TdConfigError extends TributaryError {
  constructor(message: string, code = 'TD_CONFIG') {
    super(code, message);
  }
}

export class TdConfigNotFoundError extends TdConfigError {
  constructor(message: string) {
    super(message, 'TD_CONFIG_NOT_FOUND');
  }
}

export function defaultConfigPath(env: NodeJS.ProcessEnv): string {
  return (
    env.TREASURE_DATA_CONFIG_PATH ||
    env.TD_CONFIG_PATH ||
    path.join(env.HOME || os.homedir(), '.td', 'td.conf')
  );
}

/** `section.key` → value, in file order. */
export class TdConfigFile {
  readonly values = new Map<string, string>();

  static read(file: string): TdConfigFile {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new TdConfigNotFoundError((e as Error).message);
    }
    const conf = new TdConfigFile();
    let section = '';
    for (const rawLine of text.split(/\r?\n/)) {
      const line = rawLine.trim();
      if (line === '' || line.startsWith('#')) continue;
      const sec = /\[(.+)\]/.exec(line);
      if (sec) {
        section = sec[1] as string;
        continue;
      }
      const kv = /^(\w+)\s*=\s*(.+?)\s*$/.exec(line);
      if (!kv) throw new TdConfigError(`invalid config line '${line}' at ${file}`, 'TD_CONFIG_PARSE');
      conf.values.set(`${section}.${kv[1]}`, kv[2] as string);
    }
    return conf;
  }

  /** The file, or an empty config when it is missing or unreadable. */
  static readOrEmpty(file: string): TdConfigFile {
    try {
      return TdConfigFile.read(file);
    } catch (e) {
      if (e instanceof TdConfigError) return new TdConfigFile();
      throw e;
    }
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  set(key: string, value: string): void {
    this.values.set(key, value);
  }

  delete(key: string): void {
    this.values.delete(key);
  }

  /** Writes atomically (temp file + rename), mode 0600: the file holds an API key. */
  save(file: string): void {
    const sections = new Map<string, string[]>();
    for (const [k, v] of this.values) {
      const dot = k.indexOf('.');
      const sec = dot < 0 ? '' : k.slice(0, dot);
      const key = dot < 0 ? k : k.slice(dot + 1);
      const lines = sections.get(sec) ?? [];
      lines.push(`  ${key} = ${v}`);
      sections.set(sec, lines);
    }
    let text = '';
    for (const [sec, lines] of sections) text += `[${sec}]\n${lines.join('\n')}\n`;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    fs.renameSync(tmp, file);
  }
}

export interface GlobalOptions {
  config?: string;
  apikey?: string;
  endpoint?: string;
  importEndpoint?: string;
  insecure?: boolean;
  verbose?: boolean;
  retryPostRequests?: boolean;
}

const stripSlashes = (s: string | undefined) => (s ? s.replace(/\/+$/, '') : s);
const nonEmpty = (s: string | undefined) => (s === undefined || s === '' ? undefined : s);

/** Settings resolved from flags, environment and the config file (read lazily, once). */
export class Settings {
  readonly configPath: string;
  private file: TdConfigFile | undefined;
  private fileError: TdConfigError | undefined;

  constructor(
    readonly flags: GlobalOptions,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.configPath = flags.config ?? defaultConfigPath(env);
  }

  /** The config file; throws TdConfigError when it is missing or malformed. */
  readFile(): TdConfigFile {
    if (this.file) return this.file;
    if (this.fileError) throw this.fileError;
    try {
      this.file = TdConfigFile.read(this.configPath);
      return this.file;
    } catch (e) {
      if (e instanceof TdConfigError) this.fileError = e;
      throw e;
    }
  }

  private fromFile(key: string): string | undefined {
    try {
      return this.readFile().get(key);
    } catch (e) {
      if (e instanceof TdConfigNotFoundError) return undefined;
      throw e;
    }
  }

  get apikey(): string | undefined {
    return (
      nonEmpty(this.flags.apikey) ??
      nonEmpty(this.env.TREASURE_DATA_API_KEY) ??
      nonEmpty(this.env.TD_API_KEY) ??
      this.fromFile('account.apikey')
    );
  }

  get endpoint(): string | undefined {
    return stripSlashes(
      nonEmpty(this.flags.endpoint) ??
        nonEmpty(this.env.TREASURE_DATA_API_SERVER) ??
        nonEmpty(this.env.TD_API_SERVER) ??
        this.fromFile('account.endpoint'),
    );
  }

  /** Imports go to the import endpoint when one is set, else to the API endpoint. */
  get importEndpoint(): string | undefined {
    return stripSlashes(
      nonEmpty(this.flags.importEndpoint) ??
        nonEmpty(this.env.TREASURE_DATA_API_IMPORT_SERVER) ??
        nonEmpty(this.env.TD_API_IMPORT_SERVER) ??
        this.fromFile('account.import_endpoint') ??
        this.endpoint,
    );
  }

  /** Extra request headers from $TD_API_HEADERS ("k=v" per line). */
  get headers(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const pair of (this.env.TD_API_HEADERS ?? '').split('\n')) {
      const eq = pair.indexOf('=');
      if (eq > 0) out[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return out;
  }
}
