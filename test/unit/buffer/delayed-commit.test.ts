// Delayed commit (spec core §4.8): tryWrite + commitWrite / rollbackWrite, the commit
// timeout, and shutdown with commits still pending.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { Chunk } from '../../../src/buffer/chunk.js';
import { captureLogger, makeOutput, ScriptedOutput, stream, waitFor } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-delayed-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Sends with tryWrite; the test commits or rolls back like an ack would. */
class AckOutput extends ScriptedOutput {
  static override readonly type: string = 'ack_test';
  sent: { id: string; n: number[] }[] = [];
  onSend: ((chunk: Chunk) => void) | undefined;
  failSend: Error | undefined;

  override async tryWrite(chunk: Chunk): Promise<void> {
    this.attempts.push(chunk.idHex);
    if (this.failSend) throw this.failSend;
    const es = await chunk.events();
    this.sent.push({ id: chunk.idHex, n: es.records.map((r) => r.n as number) });
    this.onSend?.(chunk);
  }
}

class NoDelayOutput extends AckOutput {
  static override readonly type: string = 'ack_off';
  override get preferDelayedCommit(): boolean {
    return false;
  }
}

const conf = (extra = '') =>
  `<buffer>\nflush_mode lazy\nretry_randomize false\nflush_thread_burst_interval 0\n${extra}</buffer>`;

test('tryWrite leaves the chunk buffered until commitWrite; counters move at the commit', async () => {
  const o = makeOutput(AckOutput, conf());
  await o.start();
  o.emit('t', stream(3));
  await o.flushAll();
  assert.equal(o.sent.length, 1);
  assert.equal(o.runner.pendingCommits, 1);
  let s = o.stats()!;
  assert.equal(s.write_records, 0);
  assert.equal(s.buffered_records, 3, 'awaiting its commit, the chunk is still buffered');
  assert.equal(o.commitWrite(o.sent[0]!.id), true);
  assert.equal(o.commitWrite(o.sent[0]!.id), false, 'a second commit is a no-op');
  s = o.stats()!;
  assert.equal(s.write_records, 3);
  assert.equal(s.write_count, 1);
  assert.equal(s.buffered_records, 0);
  assert.equal(o.written.length, 0, 'write() is never called');
  await o.shutdown();
});

test('a plugin that prefers no delayed commit uses write()', async () => {
  const o = makeOutput(NoDelayOutput, conf());
  await o.start();
  o.emit('t', stream(2));
  await o.flushAll();
  assert.equal(o.sent.length, 0);
  assert.equal(o.written.length, 1);
  await o.shutdown();
});

test('no commit within delayed_commit_timeout: rollback, retry state, resend with the same id', async () => {
  const { log, lines } = captureLogger();
  const o = makeOutput(AckOutput, conf('delayed_commit_timeout 10\n'), { log });
  const clock = { now: 1000 };
  o.runner.now = () => clock.now;
  await o.start();
  o.emit('t', stream(2));
  await o.flushAll();
  clock.now = 1009.9;
  o.runner.tick();
  assert.equal(o.runner.pendingCommits, 1);
  clock.now = 1010;
  o.runner.tick();
  await waitFor(() => o.runner.retry !== undefined);
  assert.equal(o.runner.pendingCommits, 0);
  assert.ok(lines.some((l) => l.includes('failed to flush the buffer chunk, timeout to commit.')));
  let s = o.stats()!;
  assert.equal(s.rollback_count, 1);
  assert.equal(s.retry_count, 1);
  assert.equal(s.buffered_records, 2);
  assert.equal(o.runner.retry!.next, 1011, 'first retry after retry_wait');
  clock.now = 1011;
  o.runner.tick();
  await waitFor(() => o.sent.length === 2);
  assert.equal(o.sent[1]!.id, o.sent[0]!.id);
  o.commitWrite(o.sent[1]!.id);
  assert.equal(o.runner.retry, undefined);
  assert.ok(lines.some((l) => l.includes('retry succeeded.')));
  s = o.stats()!;
  assert.equal(s.write_records, 2);
  assert.equal(s.emit_records, s.write_records + s.buffered_records);
  await o.shutdown();
});

test('rollbackWrite without retry update resends at once; with it, backs off', async () => {
  const o = makeOutput(AckOutput, conf());
  const clock = { now: 50 };
  o.runner.now = () => clock.now;
  await o.start();
  o.emit('t', stream(2));
  await o.flushAll();
  assert.equal(o.rollbackWrite(o.sent[0]!.id, false), true);
  await waitFor(() => o.sent.length === 2);
  assert.equal(o.runner.retry, undefined, 'an ack timeout does not count as a failure');
  assert.equal(o.rollbackWrite(o.sent[1]!.id), true);
  await waitFor(() => o.runner.retry !== undefined);
  assert.equal(o.sent.length, 2, 'waits for the retry time');
  assert.equal(o.stats()!.rollback_count, 2);
  await o.shutdown();
});

test('commit arriving before tryWrite returns, and tryWrite errors', async () => {
  const o = makeOutput(AckOutput, conf());
  o.onSend = (c) => o.commitWrite(c.idHex);
  await o.start();
  o.emit('t', stream(2));
  await o.flushAll();
  await waitFor(() => o.stats()!.write_records === 2);
  assert.equal(o.runner.pendingCommits, 0);

  o.onSend = undefined;
  o.failSend = new Error('connection refused');
  o.emit('t', stream(1, 2));
  await o.flushAll();
  assert.ok(o.runner.retry, 'a failed tryWrite is a failed flush');
  assert.equal(o.runner.pendingCommits, 0);
  assert.equal(o.stats()!.buffered_records, 1);
  await o.shutdown();
});

test('shutdown rolls back pending commits; a file buffer resends them on the next start', async () => {
  const dir = path.join(tmp, 'file');
  const c = conf(`@type file\npath ${dir}\ndelayed_commit_timeout 0.2\n`);
  const { log, lines } = captureLogger();
  const o1 = makeOutput(AckOutput, c, { log });
  await o1.start();
  await o1.emit('t', stream(3));
  await o1.flushAll();
  assert.equal(o1.runner.pendingCommits, 1);
  await o1.shutdown();
  assert.ok(lines.some((l) => l.includes('delayed commit for buffer chunks was cancelled in shutdown')));
  assert.equal(fs.readdirSync(dir).filter((n) => /^buffer\.q.*\.log$/.test(n)).length, 1);

  const o2 = makeOutput(AckOutput, c);
  o2.onSend = (ch) => setImmediate(() => o2.commitWrite(ch.idHex));
  await o2.start();
  await o2.flushAll();
  await waitFor(() => o2.stats()!.write_records === 3);
  assert.equal(o2.sent[0]!.id, o1.sent[0]!.id, 'the same chunk id is sent again');
  await o2.shutdown();
  assert.deepEqual(fs.readdirSync(dir), [], 'committed: purged from disk');
});
