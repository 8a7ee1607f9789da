import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Chunk } from '../../../src/buffer/chunk.js';
import { BufferOverflowError } from '../../../src/core/errors.js';
import { captureLogger, makeOutput, ScriptedOutput, stream, waitFor } from './helpers.js';

test('memory buffer: emit, then flushAll writes every record once', async () => {
  const o = makeOutput(ScriptedOutput, '<buffer>\nflush_interval 60\n</buffer>');
  await o.start();
  assert.equal(o.emit('a.b', stream(10)), undefined, 'memory buffer is durable at once');
  o.emit('a.b', stream(5, 10));
  assert.equal(o.written.length, 0);
  await o.flushAll();
  assert.deepEqual(
    o.writtenRecords().map((r) => r.n),
    [...Array(15).keys()],
  );
  const s = o.stats()!;
  assert.equal(s.emit_records, 15);
  assert.equal(s.write_records, 15);
  assert.equal(s.buffered_records, 0);
  await o.shutdown();
});

test('interval flush uses chunk creation time and the shared tick', async () => {
  const o = makeOutput(
    ScriptedOutput,
    '<buffer>\nflush_interval 10\nflush_thread_burst_interval 0\n</buffer>',
  );
  let now = 1000;
  o.runner.now = () => now;
  await o.start();
  o.emit('t', stream(3));
  o.runner.tick();
  assert.equal(o.written.length, 0);
  now = 1009;
  o.runner.tick();
  assert.equal(o.attempts.length, 0);
  now = 1010;
  o.runner.tick();
  await waitFor(() => o.written.length === 1);
  await o.shutdown();
});

test('chunk keys: tag, time and nested record keys make separate chunks with metadata', async () => {
  const o = makeOutput(
    ScriptedOutput,
    '<buffer tag,time,host,$.k.x>\ntimekey 3600\ntimekey_use_utc true\n</buffer>',
  );
  await o.start();
  const es = stream(0);
  es.add(7200, 0, { host: 'a', k: { x: 1 } });
  es.add(7201, 0, { host: 'b', k: { x: 1 } });
  es.add(10800, 0, { host: 'a', k: { x: 1 } });
  es.add(7300, 0, { host: 'a', k: { x: 1 } });
  o.emit('app.web', es);
  await o.flushAll();
  const got = o.written
    .map((w) => `${w.tag}|${w.timekey}|${w.variables!.host}|${w.variables!['$.k.x']}|${w.records.length}`)
    .sort();
  assert.deepEqual(got, ['app.web|10800|a|1|1', 'app.web|7200|a|1|2', 'app.web|7200|b|1|1']);
  assert.equal(
    o.extractPlaceholders('/x/${tag[1]}/${host}/%Y%m%d%H', { ...fakeChunk(7200, 'app.web', { host: 'a' }) }),
    '/x/web/a/1970010102',
  );
  await o.shutdown();
});

function fakeChunk(timekey: number, tag: string, variables: Record<string, unknown>): Chunk {
  return {
    compress: 'text',
    readCompressed: async () => Buffer.alloc(0),
    id: Buffer.alloc(16),
    idHex: '0'.repeat(32),
    metadata: { timekey, tag, variables },
    bytesize: 0,
    records: 0,
    createdAt: 0,
    modifiedAt: 0,
    path: undefined,
    read: async () => Buffer.alloc(0),
    events: async () => stream(0),
  };
}

test('chunk_limit_records splits a big emit over several chunks', async () => {
  const o = makeOutput(ScriptedOutput, '<buffer>\nchunk_limit_records 4\nflush_mode lazy\n</buffer>');
  await o.start();
  o.emit('t', stream(10));
  await o.flushAll();
  assert.deepEqual(
    o.written.map((w) => w.records.length),
    [4, 4, 2],
  );
  assert.deepEqual(
    o.writtenRecords().map((r) => r.n),
    [...Array(10).keys()],
  );
  assert.equal(new Set(o.written.map((w) => w.idHex)).size, 3);
  await o.shutdown();
});

test('an emit larger than a chunk is split by ranges, each formatted once, chunks filled to the limit', async () => {
  const o = makeOutput(ScriptedOutput, '<buffer>\nchunk_limit_size 4k\nflush_mode lazy\n</buffer>');
  await o.start();
  const sliceCalls: number[] = [];
  const orig = o.formatSlice.bind(o);
  o.formatSlice = (tag, es, start, end) => {
    sliceCalls.push(end - start);
    return orig(tag, es, start, end);
  };
  const es = stream(1000); // ~30 bytes per record: ~30 KB, 8 chunks or so
  const bytes = o.formatSlice('t', es, 0, es.length).length;
  sliceCalls.length = 0;
  o.emit('t', es);
  await o.flushAll();
  assert.deepEqual(
    o.writtenRecords().map((r) => r.n),
    [...Array(1000).keys()],
    'every record once, in order',
  );
  const minChunks = Math.ceil(bytes / 4096);
  assert.ok(o.written.length <= minChunks + 1, `${o.written.length} chunks for ${bytes} bytes`);
  assert.ok(sliceCalls.length < 100, `${sliceCalls.length} format calls, not one per record`);
  await o.shutdown();
});

test('a record larger than chunk_limit_size is refused, the rest is stored', async () => {
  const o = makeOutput(ScriptedOutput, '<buffer>\nchunk_limit_size 200\n</buffer>');
  await o.start();
  const es = stream(3);
  es.records[1] = { big: 'x'.repeat(500) };
  assert.throws(() => o.emit('t', es), /larger than buffer chunk limit size \(200\)/);
  await o.flushAll();
  assert.deepEqual(
    o.writtenRecords().map((r) => r.n),
    [0, 2],
  );
  assert.equal(o.stats()!.refused_records, 1);
  await o.shutdown();
});

test('flush_mode immediate writes without waiting for the timer', async () => {
  const o = makeOutput(ScriptedOutput, '<buffer>\nflush_mode immediate\n</buffer>');
  await o.start();
  o.emit('t', stream(2));
  await waitFor(() => o.written.length === 1);
  await o.shutdown();
});

test('overflow throw_exception: high water pauses inputs before the limit, then refuses', async () => {
  const o = makeOutput(
    ScriptedOutput,
    '<buffer>\nchunk_limit_size 1k\ntotal_limit_size 4k\nflush_mode lazy\n</buffer>',
  );
  await o.start();
  let refused = 0;
  for (let i = 0; i < 200 && refused === 0; i++) {
    try {
      o.emit('t', stream(5, i * 5));
    } catch (e) {
      assert.ok(e instanceof BufferOverflowError);
      refused++;
    }
    if (i === 0) assert.equal(o.overHighWater(), false);
  }
  assert.equal(refused, 1);
  assert.equal(o.overHighWater(), true);
  let drained = false;
  o.onDrain(() => {
    drained = true;
  });
  await o.flushAll();
  assert.equal(drained, true);
  const s = o.stats()!;
  assert.equal(s.emit_records, s.write_records + s.refused_records);
  await o.shutdown();
});

test('overflow drop_oldest_chunk drops the oldest queued chunk and counts it', async () => {
  const o = makeOutput(
    ScriptedOutput,
    '<buffer>\nchunk_limit_size 1k\ntotal_limit_size 3k\nflush_mode lazy\noverflow_action drop_oldest_chunk\n</buffer>',
  );
  o.behavior = () => new Error('down');
  await o.start();
  for (let i = 0; i < 100; i++) o.emit('t', stream(5, i * 5));
  const s = o.stats()!;
  assert.ok((s.dropped_records.drop_oldest_chunk ?? 0) > 0);
  assert.equal(s.emit_records, s.buffered_records + s.dropped_records.drop_oldest_chunk!);
  await o.shutdown();
});

test('overflow block: emits wait (promise) until space returns, nothing is lost', async () => {
  const o = makeOutput(
    ScriptedOutput,
    '<buffer>\nchunk_limit_size 1k\ntotal_limit_size 2k\nflush_mode lazy\noverflow_action block\nflush_thread_burst_interval 0\n</buffer>',
  );
  let release!: () => void;
  o.gate = new Promise((r) => {
    release = r;
  });
  await o.start();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < 60; i++) {
    const r = o.emit('t', stream(5, i * 5));
    if (r) pending.push(r);
  }
  assert.ok(pending.length > 0, 'some emits are blocked');
  assert.equal(o.overHighWater(), true);
  void o.flushAll();
  release();
  o.gate = undefined;
  const flusher = setInterval(() => void o.flushAll(), 5);
  await Promise.all(pending);
  clearInterval(flusher);
  await o.flushAll();
  assert.deepEqual(
    o.writtenRecords().map((r) => r.n),
    [...Array(300).keys()],
  );
  await o.shutdown();
});

test('shutdown flushes a memory buffer (flush_at_shutdown default true)', async () => {
  const { log, lines } = captureLogger();
  const o = makeOutput(ScriptedOutput, '', { log });
  await o.start();
  o.emit('t', stream(4));
  await o.shutdown();
  assert.equal(o.writtenRecords().length, 4);
  assert.equal(lines.filter((l) => l.includes('[warn]')).length, 0, lines.join('\n'));
});

test('slow_flush_log_threshold: a flush longer than the threshold is logged', async () => {
  const { log, lines } = captureLogger();
  const o = makeOutput(ScriptedOutput, 'slow_flush_log_threshold 5\n<buffer>\nflush_mode lazy\n</buffer>', {
    log,
    id: 'slow',
  });
  const clock = { now: 100 };
  o.runner.now = () => clock.now;
  let took = 4;
  o.behavior = () => {
    clock.now += took;
    return undefined;
  };
  await o.start();
  o.emit('t', stream(1));
  await o.flushAll();
  assert.ok(!lines.some((l) => l.includes('slow_flush_log_threshold')));
  took = 6;
  o.emit('t', stream(1));
  await o.flushAll();
  const w = lines.filter((l) => l.includes('buffer flush took longer time than slow_flush_log_threshold:'));
  assert.equal(w.length, 1);
  assert.match(w[0]!, /elapsed_time=6 slow_flush_log_threshold=5 plugin_id="?slow/);
  await o.shutdown();
});

test('a backlog is paced by flush_thread_burst_interval, and an emit wakes the next flush (submit_flush_once)', async () => {
  const o = makeOutput(
    ScriptedOutput,
    '<buffer>\nflush_mode interval\nflush_interval 60\nchunk_limit_records 2\nflush_thread_burst_interval 30\n</buffer>',
  );
  let now = 1000;
  o.runner.now = () => now;
  await o.start();
  o.emit('t', stream(6)); // three full chunks queued at once
  await waitFor(() => o.written.length === 1);
  o.runner.tick();
  await new Promise((r) => setImmediate(r));
  assert.equal(o.written.length, 1, 'the rest of the backlog waits for the burst interval');
  o.emit('t', stream(1, 6)); // staged, nothing new queued: still wakes a flush
  await waitFor(() => o.written.length === 2);
  now += 30;
  o.runner.tick();
  await waitFor(() => o.written.length === 3);
  await o.shutdown();
});
