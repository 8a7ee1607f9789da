import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventStream } from '../../../src/core/event-stream.js';
import { Logger, LogSink } from '../../../src/core/log.js';
import { Metrics } from '../../../src/core/metrics.js';
import { MatchPattern } from '../../../src/engine/match.js';
import { EventRouter, shouldWarnNoMatch } from '../../../src/engine/router.js';
import type { FilterPlugin, OutputPlugin } from '../../../src/plugin/types.js';

function capture() {
  const sink = new LogSink();
  sink.captured = [];
  return { sink, log: new Logger({ sink }) };
}

function output(name: string, got: string[]): OutputPlugin {
  return {
    ctx: {} as OutputPlugin['ctx'],
    configure() {},
    start() {},
    stop() {},
    shutdown() {},
    emit(tag: string, es: EventStream) {
      got.push(`${name}:${tag}:${es.length}`);
    },
    overHighWater: () => false,
    onDrain: (cb: () => void) => setImmediate(cb),
    flushAll: async () => {},
  };
}

function filter(fn: (es: EventStream) => EventStream | null): FilterPlugin {
  return {
    ctx: {} as FilterPlugin['ctx'],
    configure() {},
    start() {},
    stop() {},
    shutdown() {},
    streamFilter: true,
    filterStream: (_tag, es) => fn(es),
  };
}

const es3 = () => new EventStream([1, 2, 3], [0, 0, 0], [{ a: 1 }, { a: 2 }, { a: 3 }]);

test('first matching <match> wins; filters before it apply in order; later filters do not', () => {
  const { log } = capture();
  const r = new EventRouter('@ROOT', log, new Metrics(), { onEmitError: () => false });
  const got: string[] = [];
  const order: string[] = [];
  r.addFilter(
    new MatchPattern('a.**'),
    filter((es) => (order.push('f1'), es)),
  );
  r.addMatch(new MatchPattern('a.b'), output('first', got));
  r.addFilter(
    new MatchPattern('**'),
    filter((es) => (order.push('late'), es)),
  );
  r.addMatch(new MatchPattern('a.**'), output('second', got));
  r.emitStream('a.b', es3());
  r.emitStream('a.c', es3());
  assert.deepEqual(got, ['first:a.b:3', 'second:a.c:3']);
  assert.deepEqual(order, ['f1', 'f1', 'late']);
});

test('a filter that drops everything stops the stream', () => {
  const { log } = capture();
  const r = new EventRouter('@ROOT', log, new Metrics(), { onEmitError: () => false });
  const got: string[] = [];
  r.addFilter(
    new MatchPattern('**'),
    filter(() => null),
  );
  r.addMatch(new MatchPattern('**'), output('o', got));
  assert.equal(r.emitStream('x', es3()), true);
  assert.deepEqual(got, []);
});

test('no patterns matched warns at 1, 2, 4, ... 256 then every 512th call', () => {
  const warned: number[] = [];
  for (let i = 1; i <= 2048; i++) if (shouldWarnNoMatch(i)) warned.push(i);
  assert.deepEqual(warned, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1536, 2048]);
  const { sink, log } = capture();
  const m = new Metrics();
  const r = new EventRouter('@ROOT', log, m, { onEmitError: () => false });
  for (let i = 0; i < 5; i++) r.emitStream(`t${i}`, es3());
  const warns = sink.captured!.filter((l) => l.includes('[warn]: no patterns matched'));
  assert.equal(warns.length, 3);
  assert.match(warns[0]!, /tag="t0"/);
  assert.equal(m.get('router.unmatched_events'), 15);
});

test('emit errors go to the hook; durable emit rejects when no @ERROR took them', async () => {
  const { log } = capture();
  const seen: string[] = [];
  const r = new EventRouter('@ROOT', log, new Metrics(), {
    onEmitError: (tag, _es, e) => (seen.push(`${tag}:${e.message}`), false),
  });
  const bad = output('bad', []);
  bad.emit = async () => {
    throw new Error('buffer full');
  };
  r.addMatch(new MatchPattern('**'), bad);
  await assert.rejects(r.emitStreamDurable('x', es3()), /buffer full/);
  r.emitStream('y', es3());
  await new Promise((res) => setImmediate(res));
  assert.deepEqual(seen, ['x:buffer full', 'y:buffer full']);
});

test('pipeline resolution is cached per tag and bounded', () => {
  const { log } = capture();
  const r = new EventRouter('@ROOT', log, new Metrics(), { onEmitError: () => false });
  r.addMatch(new MatchPattern('**'), output('o', []));
  const p1 = r.pipeline('a');
  assert.equal(r.pipeline('a'), p1);
  for (let i = 0; i < 2000; i++) r.pipeline(`t${i}`);
  assert.notEqual(r.pipeline('a'), p1, 'oldest entries are evicted');
});

test('backpressure: emitStream returns false while the output is over its high-water mark', async () => {
  const { log } = capture();
  const r = new EventRouter('@ROOT', log, new Metrics(), { onEmitError: () => false });
  const o = output('o', []);
  let full = true;
  let drainCb: (() => void) | undefined;
  o.overHighWater = () => full;
  o.onDrain = (cb) => {
    drainCb = cb;
  };
  r.addMatch(new MatchPattern('**'), o);
  assert.equal(r.emitStream('x', es3()), false);
  let drained = false;
  r.onDrain(() => {
    drained = true;
  });
  assert.equal(drained, false);
  full = false;
  drainCb!();
  assert.equal(drained, true);
  assert.equal(r.emitStream('x', es3()), true);
});
