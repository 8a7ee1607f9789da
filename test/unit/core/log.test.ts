import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { formatKv, formatLogTime, Logger, LogSink, LogThrottle } from '../../../src/core/log.js';

test('log lines follow Fluentd: time, [level], #worker, [id], message, key=value', () => {
  const sink = new LogSink();
  sink.captured = [];
  const log = new Logger({ sink, workerId: 0 });
  log.child({ id: 'out_td' }).warn('failed to flush', { retry_times: 2, path: '/x', none: null });
  log.debug('hidden');
  assert.equal(sink.captured.length, 1);
  assert.match(
    sink.captured[0]!,
    /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \[warn\]: #0 \[out_td\] failed to flush retry_times=2 path="\/x" none=nil$/,
  );
});

test('errors render as error_class and error', () => {
  assert.equal(formatKv({ error: new TypeError('bad') }), ' error_class=TypeError error="bad"');
});

test('formatLogTime uses the local offset', () => {
  assert.match(formatLogTime(new Date(0)), /^19(69|70)-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}$/);
});

test('per-plugin level overrides the process level', () => {
  const sink = new LogSink();
  sink.captured = [];
  const log = new Logger({ sink, level: 'warn' });
  log.child({ level: 'debug' }).debug('shown');
  log.child({}).info('hidden');
  assert.equal(sink.captured.length, 1);
});

test('a file sink reopens after the file was moved away (SIGUSR1 rotation)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-'));
  const file = path.join(dir, 'td-agent.log');
  const sink = new LogSink(file);
  const log = new Logger({ sink });
  log.info('one');
  fs.renameSync(file, `${file}.1`);
  log.info('two');
  sink.reopen();
  log.info('three');
  sink.close();
  assert.match(fs.readFileSync(`${file}.1`, 'utf8'), /one\n.*two\n$/s);
  assert.match(fs.readFileSync(file, 'utf8'), /three\n$/);
  fs.rmSync(dir, { recursive: true });
});

test('LogThrottle allows one line per key per interval and counts the rest', () => {
  const t = new LogThrottle(1000);
  assert.equal(t.allow('k', 0), 0);
  assert.equal(t.allow('k', 10), -1);
  assert.equal(t.allow('k', 20), -1);
  assert.equal(t.allow('k', 1001), 2);
});
