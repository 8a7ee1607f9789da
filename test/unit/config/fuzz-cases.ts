// Config parser fuzzing harness, shared by fuzz.test.ts and the fuzz-run.ts script.
//
// Three kinds of cases, in rotation: random characters, random token sequences from the v1
// grammar (elements, quotes, escapes, `#{}`, JSON, comments, includes), and mutations of the
// fixture files (delete / insert / duplicate / replace ranges, insert tokens). Each case goes
// through parseConfig (and every 10th through parseConfigV0 and the value converters); the only
// acceptable outcomes are a ConfigElement or a ConfigError.
//
// `@include` in fuzz input resolves inside a sandbox directory: while the fuzzer runs, the fs
// functions the parser uses refuse any path outside it (so `@include /dev/stdin` cannot block).

import fsCjs, * as fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../../src/config/parser.js';
import { parseConfigV0 } from '../../../src/config/parser-v0.js';
import { toArray, toBool, toHash, toRegexp, toSize, toTime } from '../../../src/config/value-types.js';
import { ConfigError } from '../../../src/core/errors.js';
import { rng } from '../../helpers/rng.js';

export interface FuzzResult {
  cases: number;
  ms: number;
  slowestMs: number;
  slowestCase: string;
  outcomes: { parsed: number; configError: number };
  /** How often each kind of error message was seen (quoted parts and numbers elided). */
  errorKinds: Map<string, number>;
  failures: { input: string; error: string }[];
}

const TOKENS = [
  '<',
  '</',
  '>',
  '<match',
  '<source>',
  '</source>',
  '<match **>',
  '</match>',
  '<buffer>',
  '</buffer>',
  '<system>',
  '</system>',
  '<label @ERROR>',
  '</label>',
  '<worker 0-1>',
  '</worker>',
  '<>',
  '</>',
  '@type',
  '@id',
  '@label',
  '@log_level',
  '@bogus',
  '@include',
  'include',
  'type',
  'key',
  'path',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r\n',
  '\r',
  '\n\n',
  '#',
  '# comment\n',
  ' # c',
  'a#b',
  '"',
  "'",
  '\\',
  '\\\n',
  '\\u',
  '\\n',
  '\\"',
  "\\'",
  '\\\\',
  '#{',
  '}',
  '{',
  '[',
  ']',
  ',',
  ':',
  '"#{',
  "#{ENV['HOME']}",
  "#{ENV.fetch('X', 'd')}",
  "#{ENV.fetch('X') { 'y' }}",
  '#{hostname}',
  '#{worker_id}',
  '#{use_nil}',
  '#{use_default}',
  '#{1 + 2}',
  '#{Socket.gethostname}',
  "#{'a' || 'b'}",
  '#{nil.to_s.upcase}',
  '#{`id`}',
  '[1, 2, 3]',
  '{"a": 1}',
  '[1, # c\n 2]',
  '{"k": "v", # c\n "x": [1, {"y": null}]}',
  '["#{hostname}"]',
  '/* c */',
  '// c\n',
  '1e400',
  '-0.0',
  '12345678901234567890',
  'true',
  'null',
  '"\\x"',
  'inc.conf',
  '*.conf',
  'cyc.conf',
  'sub/*.conf',
  'missing/*.conf',
  '**/*.conf',
  '{a,b}.conf',
  '[ab].conf',
  'file://',
  'http://x/y.conf',
  '%20',
  '%zz',
  '+',
  '\u00e9',
  '\u{1F600}',
  '\uFEFF',
  '\0',
  '\u2028',
  '\ud800',
  '$' + '{tag}',
  '/^a #b$/',
  'foo bar',
  'x'.repeat(300),
  '['.repeat(120),
  '{'.repeat(50),
  '"'.repeat(5),
  '<a>\n'.repeat(70),
];

function fixtureTexts(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dir = path.resolve(here, '../../../../test/config-fixtures');
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.conf')) out.push(fs.readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

function makeSandbox(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-fuzz-'));
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'inc.conf'), 'included 1\n<source>\n  @type x\n</source>\n');
  fs.writeFileSync(path.join(dir, 'a.conf'), '@include b.conf\n');
  fs.writeFileSync(path.join(dir, 'b.conf'), 'b "#{hostname}"\n');
  fs.writeFileSync(path.join(dir, 'cyc.conf'), '@include cyc.conf\n');
  fs.writeFileSync(path.join(dir, 'sub', 'bad.conf'), '<match\n  @nope 1\n');
  fs.writeFileSync(path.join(dir, 'sub', 'bin.conf'), Buffer.from([0x61, 0x20, 0xff, 0x0a]));
  fs.mkdirSync(path.join(dir, 'dir.conf'));
  return dir;
}

/** Makes the fs calls the parser uses refuse paths outside `root`; returns the undo function. */
function confineFs(root: string): () => void {
  const names = ['readFileSync', 'readdirSync', 'statSync', 'lstatSync', 'realpathSync', 'openSync'] as const;
  const mod = fsCjs as unknown as Record<string, (...a: unknown[]) => unknown>;
  const saved = names.map((n) => [n, mod[n]!] as const);
  const inside = (p: unknown): boolean => {
    if (typeof p !== 'string') return true; // fds
    const r = path.resolve(p);
    return r === root || r.startsWith(root + path.sep);
  };
  for (const [n, orig] of saved) {
    const wrapped = (...args: unknown[]) => {
      if (!inside(args[0]))
        throw Object.assign(new Error(`ENOENT: outside the fuzz sandbox, ${n} '${args[0]}'`), {
          code: 'ENOENT',
        });
      return orig(...args);
    };
    mod[n] = wrapped;
  }
  syncBuiltinESMExports();
  return () => {
    for (const [n, orig] of saved) mod[n] = orig;
    syncBuiltinESMExports();
  };
}

const SPECIAL = '<>/@#"\'\\{}[],: \t\n\rabcmetypinclude0123456789*?';

function randomChars(r: () => number): string {
  const n = Math.floor(r() * r() * 400);
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.5) s += SPECIAL[Math.floor(r() * SPECIAL.length)];
    else if (k < 0.9) s += String.fromCharCode(32 + Math.floor(r() * 95));
    else s += String.fromCharCode(Math.floor(r() * 0x10000));
  }
  return s;
}

function randomTokens(r: () => number): string {
  const n = 1 + Math.floor(r() * 60);
  let s = '';
  for (let i = 0; i < n; i++) s += TOKENS[Math.floor(r() * TOKENS.length)];
  return s;
}

function mutate(text: string, r: () => number): string {
  let s = text;
  const edits = 1 + Math.floor(r() * 8);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (s.length + 1));
    const len = Math.floor(r() * r() * 40);
    const op = Math.floor(r() * 6);
    if (op === 0) s = s.slice(0, at) + s.slice(at + len);
    else if (op === 1) s = s.slice(0, at) + TOKENS[Math.floor(r() * TOKENS.length)] + s.slice(at);
    else if (op === 2) s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at);
    else if (op === 3) s = s.slice(0, at) + String.fromCharCode(Math.floor(r() * 128)) + s.slice(at + 1);
    else if (op === 4) s = s.slice(0, at) + randomChars(r).slice(0, 20) + s.slice(at);
    else {
      const from = Math.floor(r() * s.length);
      s = s.slice(0, at) + s.slice(from, from + len) + s.slice(at + len);
    }
  }
  return s;
}

const ENV = { HOME: '/home/fuzz', X: 'x', SERVERENGINE_WORKER_ID: '0' };

function runOne(
  input: string,
  file: string,
  extra: boolean,
  kinds: Map<string, number>,
): 'parsed' | 'configError' {
  let outcome: 'parsed' | 'configError' = 'parsed';
  const attempt = (fn: () => unknown): void => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      outcome = 'configError';
      const kind = e.detail
        .replace(/["'`<:/([{#].*$/s, '…')
        .replace(/[0-9]+/g, 'N')
        .slice(0, 60);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
  };
  attempt(() => parseConfig(input, file, { env: ENV, hostname: 'fuzz', workerId: '', warn: () => {} }));
  if (extra) {
    attempt(() => parseConfigV0(input, file));
    const v = input.slice(0, 80);
    attempt(() => toSize(v, { name: 'p', strict: true }));
    attempt(() => toTime(v, { name: 'p', strict: true }));
    attempt(() => toBool(v, { name: 'p' }));
    attempt(() => toArray(v, { name: 'p', valueType: 'integer' }));
    attempt(() => toHash(v, { name: 'p' }));
    attempt(() => toRegexp(v));
  }
  return outcome;
}

export function runFuzz(count: number, seed = 1): FuzzResult {
  const r = rng(seed);
  const fixtures = fixtureTexts();
  const sandbox = makeSandbox();
  const file = path.join(sandbox, 'fuzz.conf');
  const undo = confineFs(sandbox);
  const res: FuzzResult = {
    cases: 0,
    ms: 0,
    slowestMs: 0,
    slowestCase: '',
    outcomes: { parsed: 0, configError: 0 },
    errorKinds: new Map(),
    failures: [],
  };
  const t0 = performance.now();
  try {
    for (let i = 0; i < count; i++) {
      const kind = i % 3;
      const input =
        kind === 0
          ? randomChars(r)
          : kind === 1
            ? randomTokens(r)
            : mutate(fixtures[Math.floor(r() * fixtures.length)]!, r);
      const c0 = performance.now();
      try {
        res.outcomes[runOne(input, file, i % 10 === 0, res.errorKinds)]++;
      } catch (e) {
        if (res.failures.length < 20) res.failures.push({ input, error: (e as Error)?.stack ?? String(e) });
      }
      const dt = performance.now() - c0;
      if (dt > res.slowestMs) {
        res.slowestMs = dt;
        res.slowestCase = input.length > 200 ? `${input.slice(0, 200)}... (${input.length} chars)` : input;
      }
      res.cases++;
    }
  } finally {
    undo();
    fs.rmSync(sandbox, { recursive: true, force: true });
  }
  res.ms = performance.now() - t0;
  return res;
}
