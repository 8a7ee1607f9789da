// The real `td-agent --dry-run -c FILE` on every fixture in test/config-fixtures (run from that
// directory, FIXTURE_* variables unset, as its README says):
// - good *.conf: exit 0 and no `[error]` line. A fixture that needs a plugin another area has
//   not registered yet (output forward, input tail) is skipped with the reason printed.
// - bad-*.conf: exit 1, and the first line of bad-*.expected appears in the output (inside
//   the `error="..."` field, where quotes and backslashes are escaped, or as it is).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { Proc, ROOT } from '../helpers/proc.js';

const FIXTURES = path.join(ROOT, 'test/config-fixtures');

/** Plugins owned by other areas: a fixture failing only because one is missing is skipped. */
const NOT_YET = [/Unknown output plugin 'forward'/, /Unknown input plugin 'tail'/];

const confs = fs
  .readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.conf'))
  .sort();
const good = confs.filter((f) => !f.startsWith('bad-'));
const bad = confs.filter((f) => f.startsWith('bad-'));

/** Overrides that unset every FIXTURE_* / TRIBUTARY_FIXTURE_* variable (spawn skips undefined). */
function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const k of Object.keys(process.env)) if (/^(TRIBUTARY_)?FIXTURE_/.test(k)) e[k] = undefined;
  return e;
}

async function dryRun(file: string): Promise<{ code: number | null; out: string }> {
  const p = Proc.node('src/cli/td-agent.js', ['--dry-run', '-c', file], { cwd: FIXTURES, env: env() });
  const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, out: p.all };
}

/** The `error="..."` values of the log lines, unescaped. */
function errorFields(out: string): string[] {
  const found: string[] = [];
  for (const m of out.matchAll(/error="((?:[^"\\]|\\.)*)"/g)) {
    try {
      found.push(JSON.parse(`"${m[1]}"`) as string);
    } catch {
      found.push(m[1]!);
    }
  }
  return found;
}

test('there are fixtures to run', () => {
  assert.ok(good.length >= 10 && bad.length >= 15, `${good.length} good, ${bad.length} bad`);
});

describe('good fixtures pass td-agent --dry-run', { concurrency: 2 }, () => {
  for (const f of good) {
    test(f, async (t) => {
      const { code, out } = await dryRun(f);
      const missing = NOT_YET.find((re) => re.test(out));
      if (code !== 0 && missing) {
        const reason = `needs a plugin another area has not registered yet: ${out.match(missing)![0]}`;
        console.log(`# skip ${f}: ${reason}`);
        t.skip(reason);
        return;
      }
      assert.equal(code, 0, `exit code ${code}\n${out}`);
      assert.ok(!/\[error\]/.test(out), `error lines:\n${out}`);
      assert.match(out, /finished dry run mode/);
    });
  }
});

describe('bad fixtures fail td-agent --dry-run with the expected message', { concurrency: 2 }, () => {
  for (const f of bad) {
    test(f, async () => {
      const want = fs
        .readFileSync(path.join(FIXTURES, f.replace(/\.conf$/, '.expected')), 'utf8')
        .split('\n')[0]!;
      const { code, out } = await dryRun(f);
      assert.equal(code, 1, `exit code ${code}\n${out}`);
      assert.ok(
        out.includes(want) || errorFields(out).some((e) => e.includes(want)),
        `expected to find:\n${want}\nin:\n${out}`,
      );
    });
  }
});
