import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { RetryState } from '../../../src/plugin/retry-state.js';
import { captureLogger, makeOutput, ScriptedOutput, stream, UnrecoverableError, waitFor } from './helpers.js';

const base = {
  type: 'exponential_backoff' as const,
  wait: 1,
  timeout: 72 * 3600,
  forever: false,
  maxTimes: undefined,
  backoffBase: 2,
  maxInterval: undefined,
  randomize: false,
  secondary: false,
  secondaryThreshold: 0.8,
};

test('exponential backoff: waits 1, 2, 4 ... capped by retry_max_interval and the timeout', () => {
  let now = 100;
  const r = new RetryState({ ...base, maxInterval: 5, timeout: 20 }, () => now);
  assert.equal(r.next, 101);
  const waits: number[] = [];
  for (let i = 0; i < 8 && !r.limit(); i++) {
    now = r.next;
    const before = now;
    r.step();
    waits.push(r.next - before);
  }
  assert.deepEqual(waits, [1, 2, 4, 5, 5, 2]);
  assert.equal(r.next, 120, 'capped at start + retry_timeout');
  assert.equal(r.limit(), true);
});

test('periodic retry and retry_max_times; randomize stays within ±12.5 %', () => {
  const now = 0;
  const r = new RetryState({ ...base, type: 'periodic', wait: 3, maxTimes: 2 }, () => now);
  r.step();
  assert.equal(r.next, 3);
  assert.equal(r.limit(), false);
  r.step();
  assert.equal(r.limit(), true);
  const rnd = new RetryState(
    { ...base, randomize: true, wait: 8 },
    () => now,
    () => 1,
  );
  rnd.step();
  rnd.step();
  assert.equal(rnd.next, 8 * 2 * 1.125);
});

test('secondary switch time = start + min(timeout, sum of max_times intervals) × threshold', () => {
  let now = 0;
  const r = new RetryState({ ...base, maxTimes: 3, secondary: true }, () => now);
  assert.equal(r.secondaryAt, (1 + 2 + 4) * 0.8);
  assert.equal(r.secondary(), false);
  now = 1;
  r.step();
  assert.ok(r.next <= 5.6 + 1e-9);
  now = r.secondaryAt!;
  assert.equal(r.secondary(), true);
  r.step();
  assert.equal(r.current, 'secondary');
});

test('retry_forever never hits the limit', () => {
  let now = 0;
  const r = new RetryState({ ...base, forever: true, maxTimes: 1, timeout: 1 }, () => now);
  for (let i = 0; i < 50; i++) {
    now = r.next;
    r.step();
  }
  assert.equal(r.limit(), false);
});

/** Drive an output's flushes with a fake clock until `cond`. */
async function drive(
  o: ScriptedOutput,
  clock: { now: number },
  cond: () => boolean,
  maxSteps = 200,
): Promise<void> {
  for (let i = 0; i < maxSteps; i++) {
    await waitFor(() => o.runner.inFlight === 0, 2000, 'flushes to settle');
    if (cond()) return;
    const next = o.runner.retry?.next;
    if (next !== undefined && clock.now < next) clock.now = next;
    const before = o.attempts.length;
    o.runner.tick();
    await waitFor(() => o.attempts.length > before || cond(), 2000, 'a flush attempt');
  }
  throw new Error('drive: condition never held');
}

test('runner: failed writes retry with backoff, then succeed with the same chunk id', async () => {
  const { log, lines } = captureLogger();
  const o = makeOutput(ScriptedOutput, '<buffer>\nretry_randomize false\nflush_mode lazy\n</buffer>', {
    log,
  });
  const clock = { now: 1000 };
  o.runner.now = () => clock.now;
  o.behavior = (_c, n) => (n <= 3 ? new Error(`fail ${n}`) : undefined);
  await o.start();
  o.emit('t', stream(3));
  void o.flushAll();
  await drive(o, clock, () => o.written.length === 1);
  assert.equal(new Set(o.attempts).size, 1, 'one chunk, same id on every attempt');
  assert.equal(o.attempts.length, 4);
  assert.ok(lines.some((l) => l.includes('failed to flush the buffer. retry_times=0')));
  assert.ok(lines.some((l) => l.includes('retry succeeded.')));
  const s = o.stats()!;
  assert.equal(s.retry_count, 3);
  assert.equal(s.rollback_count, 3);
  assert.equal(s.retry_steps, undefined);
  await o.shutdown();
});

test('runner: retry_max_times 1 = first try + 1 retry, then the whole queue is dropped', async () => {
  const { log, lines } = captureLogger();
  const o = makeOutput(
    ScriptedOutput,
    '<buffer>\nretry_max_times 1\nretry_randomize false\nchunk_limit_records 2\nflush_mode lazy\n</buffer>',
    { log },
  );
  const clock = { now: 1000 };
  o.runner.now = () => clock.now;
  o.behavior = () => new Error('down');
  await o.start();
  o.emit('t', stream(6));
  void o.flushAll();
  await drive(o, clock, () => (o.stats()!.dropped_records.retry_limit ?? 0) > 0);
  assert.equal(o.attempts.length, 2);
  const s = o.stats()!;
  assert.equal(s.dropped_records.retry_limit, 6, 'every queued chunk is dropped');
  assert.ok(lines.some((l) => l.includes('hit limit for retries')));
  await o.shutdown();
});

test('runner: retry_max_times 0 drops on the first failure', async () => {
  const o = makeOutput(ScriptedOutput, '<buffer>\nretry_max_times 0\n</buffer>');
  o.behavior = () => new Error('down');
  await o.start();
  o.emit('t', stream(2));
  await o.flushAll();
  await waitFor(() => o.stats()!.dropped_records.retry_limit === 2);
  assert.equal(o.attempts.length, 1);
  await o.shutdown();
});

test('runner: <secondary> takes over after the threshold; counters reconcile', async () => {
  const { log, lines } = captureLogger();
  const o = makeOutput(
    ScriptedOutput,
    '<buffer>\nretry_max_times 3\nretry_randomize false\nflush_mode lazy\n</buffer>\n<secondary>\n@type scripted2\n</secondary>',
    { log },
  );
  const clock = { now: 0 };
  o.runner.now = () => clock.now;
  o.behavior = () => new Error('primary down');
  await o.start();
  o.emit('t', stream(4));
  void o.flushAll();
  const sec = o.secondaryOutput as unknown as ScriptedOutput;
  await drive(o, clock, () => sec.written.length === 1);
  assert.ok(clock.now >= 5.6 - 1e-9 && clock.now <= 7, `switched at ${clock.now}`);
  assert.equal(sec.writtenRecords().length, 4);
  assert.ok(lines.some((l) => l.includes('retry succeeded by secondary.')));
  const s = o.stats()!;
  assert.equal(s.secondary_records, 4);
  assert.equal(s.emit_records, s.write_records + s.secondary_records + s.buffered_records);
  await o.shutdown();
});

test('runner: unrecoverable error goes to a different-type secondary at once', async () => {
  const o = makeOutput(ScriptedOutput, '<secondary>\n@type scripted2\n</secondary>');
  o.behavior = () => new UnrecoverableError('bad chunk');
  await o.start();
  o.emit('t', stream(3));
  await o.flushAll();
  const sec = o.secondaryOutput as unknown as ScriptedOutput;
  assert.equal(sec.writtenRecords().length, 3);
  assert.equal(o.runner.retry, undefined);
  await o.shutdown();
});

test('runner: unrecoverable error without secondary backs the chunk up', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-backup-'));
  try {
    const { log, lines } = captureLogger();
    const o = makeOutput(ScriptedOutput, '', { log, id: 'out/x', system: { rootDir: root } });
    o.behavior = () => new UnrecoverableError('bad chunk');
    await o.start();
    o.emit('t', stream(3));
    await o.flushAll();
    const dir = path.join(root, 'backup', 'worker0', 'out_x');
    const files = fs.readdirSync(dir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^[0-9a-f]{32}\.log$/);
    assert.ok(lines.some((l) => l.includes('bad chunk is moved to')));
    assert.equal(o.stats()!.dropped_records.backup, 3);
    await o.shutdown();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
