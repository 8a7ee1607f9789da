// in_exec against real child processes (/bin/sh, printf, seq, sleep).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExecInput } from '../../src/plugins/in_exec.js';
import { InputTestDriver } from '../../src/test-driver/index.js';
import { waitFor } from '../helpers/proc.js';

function driver(config: string): InputTestDriver<ExecInput> {
  return new InputTestDriver(ExecInput, config);
}

/** Resolves when the command run by the driver has exited and its output was handled. */
async function untilIdle(d: InputTestDriver<ExecInput>, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => d.instance.stats.runs > 0 && !d.instance.running, 'the command to finish', timeoutMs);
}

test('runs once at start: TSV lines (the default parser) become events with the tag, time now', async () => {
  const d = driver(`command printf 'a\\tb\\nc\\td\\te\\n'\ntag exec.out\n<parse>\nkeys k1,k2\n</parse>`);
  const before = Math.floor(Date.now() / 1000);
  await d.run({ expectRecords: 2 });
  const ev = d.events();
  assert.deepEqual(
    ev.map((e) => [e.tag, e.record]),
    [
      ['exec.out', { k1: 'a', k2: 'b' }],
      ['exec.out', { k1: 'c', k2: 'd\te' }],
    ],
  );
  assert.ok(ev[0]!.sec >= before && ev[0]!.sec <= Math.floor(Date.now() / 1000) + 1);
  assert.equal(d.emitCount(), 1, 'one read = one stream');
});

test('read_with_stderr reads both streams; read discards stderr', async () => {
  const cmd = `command echo out; echo err 1>&2\ntag t\n<parse>\n@type none\n</parse>`;
  const both = driver(`${cmd}\nconnect_mode read_with_stderr`);
  await both.run({ expectRecords: 2 });
  assert.deepEqual(
    both
      .records()
      .map((r) => r.message)
      .sort(),
    ['err', 'out'],
  );

  const only = driver(cmd);
  await only.run({ until: () => only.instance.stats.runs > 0 && !only.instance.running });
  assert.deepEqual(
    only.records().map((r) => r.message),
    ['out'],
  );
});

test('<extract> tag_key / time_key; json gets no time_key by default; <parse> time_key is used when set', async () => {
  const line = `{"tag":"exec.a","time":1600000000,"v":1}`;
  const d = driver(
    `command echo '${line}'\n<parse>\n@type json\n</parse>\n<extract>\ntag_key tag\ntime_key time\n</extract>`,
  );
  await d.run({ expectRecords: 1 });
  assert.deepEqual(d.events(), [{ tag: 'exec.a', sec: 1600000000, nsec: 0, record: { v: 1 } }]);

  const p = driver(
    `command echo '{"t":"1500000000.25","v":2}'\ntag x\n<parse>\n@type json\ntime_key t\n</parse>`,
  );
  await p.run({ expectRecords: 1 });
  assert.equal(p.events()[0]!.sec, 1500000000);
  assert.equal(p.events()[0]!.nsec, 250000000);
  assert.deepEqual(p.records(), [{ v: 2 }]);
});

test('run_interval: the command runs again every interval (first run one interval after start)', async () => {
  const d = driver(`command echo tick\ntag t\nrun_interval 0.1\n<parse>\n@type none\n</parse>`);
  await d.start();
  assert.equal(d.instance.stats.runs, 0, 'no run at start');
  await d.run({ expectRecords: 3, start: false });
  assert.ok(d.instance.stats.runs >= 3);
});

test('a run still going when the next is due is skipped with a warning', async () => {
  const d = driver(`command sleep 0.5\ntag t\nrun_interval 0.05\n<parse>\n@type none\n</parse>`);
  await d.run({ until: () => d.instance.stats.skippedRuns > 0 });
  assert.ok(d.logs().some((l) => /previous child process is still running\. skipped\./.test(l)));
});

test('lines over max_line_size are dropped and counted; the partial last line is parsed at exit', async () => {
  const long = 'x'.repeat(300);
  const d = driver(
    `command printf 'short\\n${long}\\nafter\\nlast'\ntag t\nmax_line_size 100\n<parse>\n@type none\n</parse>`,
  );
  await d.run({ until: () => d.instance.stats.runs > 0 && !d.instance.running && d.records().length >= 3 });
  assert.deepEqual(
    d.records().map((r) => r.message),
    ['short', 'after', 'last'],
  );
  assert.equal(d.instance.stats.oversized, 1);
});

test('binary parser (msgpack): whole objects from the stream', async () => {
  // {"a":1}{"b":2} as msgpack, in octal escapes for printf.
  const d = driver(
    `command printf '\\201\\241a\\001\\201\\241b\\002'\ntag t\n<parse>\n@type msgpack\n</parse>`,
  );
  await d.run({ expectRecords: 2 });
  assert.deepEqual(d.records(), [{ a: 1 }, { b: 2 }]);
});

test('encoding: output in ISO-8859-1 is decoded', async () => {
  const d = driver(`command printf 'caf\\351\\n'\ntag t\nencoding ISO-8859-1\n<parse>\n@type none\n</parse>`);
  await d.run({ expectRecords: 1 });
  assert.deepEqual(d.records(), [{ message: 'café' }]);
});

test('backpressure: reading pauses while the pipeline is over its high-water mark', async () => {
  const d = driver(`command seq 1 200000\ntag t\n<parse>\n@type none\n</parse>`);
  d.emitter.block();
  await d.start();
  await waitFor(() => d.emitCount() >= 1, 'the first emit');
  const stdout = d.instance.running?.child.stdout;
  assert.ok(stdout?.isPaused(), 'stdout paused after emitStream returned false');
  assert.equal(d.emitCount(), 1);
  d.emitter.unblock();
  await d.run({ until: () => d.records().length >= 200000, start: false, timeoutMs: 20_000 });
  assert.equal(d.records().at(-1)!.message, '200000');
});

test('command_timeout kills the run; a non-zero exit is logged', async () => {
  const d = driver(`command sleep 10\ntag t\ncommand_timeout 0.2\n<parse>\n@type none\n</parse>`);
  await d.run({ until: () => d.instance.stats.failedRuns === 1 });
  assert.ok(d.logs().some((l) => /command timed out \(killed\)/.test(l)));

  const f = driver(`command exit 3\ntag t\n<parse>\n@type none\n</parse>`);
  await f.run({ until: () => f.instance.stats.failedRuns === 1 });
  assert.ok(f.logs().some((l) => /command exit status 3/.test(l)));
});

test('shutdown stops a running command (and what it started) and keeps its output', async () => {
  const d = driver(`command echo started; sleep 30; echo never\ntag t\n<parse>\n@type none\n</parse>`);
  await d.start();
  await waitFor(() => d.records().length === 1, 'the first line');
  const run = d.instance.running!;
  const t0 = Date.now();
  await d.shutdown();
  assert.ok(Date.now() - t0 < 5000, 'SIGTERM stopped it without waiting for the kill timeout');
  assert.equal(run.running, false);
  const gone = () => {
    try {
      process.kill(-run.pid!, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  };
  await waitFor(gone, 'the process group (sleep included) to be gone', 5000);
  assert.deepEqual(
    d.records().map((r) => r.message),
    ['started'],
  );
});

test('unmatched lines and parse errors are counted, not emitted', async () => {
  const d = driver(
    `command printf 'k=v\\nnope\\n'\ntag t\n<parse>\n@type regexp\nexpression /^(?<k>\\w+)=(?<v>\\w+)$/\n</parse>`,
  );
  await d.start();
  await untilIdle(d);
  await d.shutdown();
  assert.deepEqual(d.records(), [{ k: 'k', v: 'v' }]);
  assert.equal(d.instance.stats.unmatched, 1);
  assert.ok(d.logs().some((l) => /pattern not matched/.test(l)));
});

test('config errors: tag or tag_key required; tsv needs keys; unknown encoding', () => {
  assert.throws(
    () => driver('command true\n<parse>\n@type none\n</parse>'),
    /'tag' or 'tag_key' option is required/,
  );
  assert.throws(() => driver('command true\ntag t'), /'keys' parameter is required/);
  assert.throws(
    () => driver('command true\ntag t\nencoding nope\n<parse>\n@type none\n</parse>'),
    /unknown encoding name - nope/,
  );
  assert.throws(() => driver('tag t\n<parse>\n@type none\n</parse>'), /'command' parameter is required/);
});
