process.env.TZ = 'Asia/Tokyo';

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StdoutOutput } from '../../src/plugins/out_stdout.js';
import { OutputTestDriver } from '../../src/test-driver/index.js';

// 2017-11-28 11:43:13 +0900
const SEC = 1511836993;

/** Lines the output wrote (they go through the log sink, like Fluentd's $log.write). */
function written(d: OutputTestDriver): string[] {
  return d.logs().filter((l) => !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \[/.test(l));
}

test('default line: local time with nanoseconds, tag, JSON record', async () => {
  const d = new OutputTestDriver(StdoutOutput, '');
  await d.feed('app.log', [
    [SEC, 814351757, { k: 'v', n: 1, f: 1.5, nil: null, a: [1, 'x'], h: { z: true } }],
  ]);
  await d.feed('app.log', [[SEC, 5, { k: 'é/"' }]]);
  await d.shutdown();
  assert.deepEqual(written(d), [
    '2017-11-28 11:43:13.814351757 +0900 app.log: {"k":"v","n":1,"f":1.5,"nil":null,"a":[1,"x"],"h":{"z":true}}',
    '2017-11-28 11:43:13.000000005 +0900 app.log: {"k":"é/\\""}',
  ]);
});

test('JSON renders like Ruby: small floats, bytes as text, bigints as digits', async () => {
  const d = new OutputTestDriver(StdoutOutput, '<format>\n@type json\n</format>');
  await d.feed('t', [[SEC, 0, { f: 0.00001, b: new Uint8Array([104, 105]), big: 12345678901234567890n }]]);
  assert.deepEqual(written(d), ['{"f":1.0e-05,"b":"hi","big":12345678901234567890}']);
});

test('output_type hash / single_value / ltsv, also as v0.12 flat parameters', async () => {
  const rec = { message: 'hello', n: 2, x: null };
  const hash = new OutputTestDriver(StdoutOutput, '<format>\n@type stdout\noutput_type hash\n</format>');
  await hash.feed('t', [[SEC, 0, rec]]);
  assert.deepEqual(written(hash), [
    '2017-11-28 11:43:13.000000000 +0900 t: {"message"=>"hello", "n"=>2, "x"=>nil}',
  ]);

  const flat = new OutputTestDriver(StdoutOutput, 'output_type single_value');
  await flat.feed('t', [[SEC, 0, rec]]);
  assert.deepEqual(written(flat), ['2017-11-28 11:43:13.000000000 +0900 t: hello']);

  const ltsv = new OutputTestDriver(StdoutOutput, '<format>\n@type ltsv\n</format>');
  await ltsv.feed('t', [[SEC, 0, { a: 'x\ty', b: 1 }]]);
  assert.deepEqual(written(ltsv), ['a:x y\tb:1']);
});

test('time_format in <format> replaces the time layout', async () => {
  const d = new OutputTestDriver(StdoutOutput, '<format>\ntime_format %Y%m%dT%H%M%S.%3N%:z\n</format>');
  await d.feed('t', [[SEC, 123456789, { a: 1 }]]);
  assert.deepEqual(written(d), ['20171128T114313.123+09:00 t: {"a":1}']);
});

test('use_logger false writes to the writer (process.stdout by default), one write per stream', async () => {
  const d = new OutputTestDriver(StdoutOutput, 'use_logger false');
  const chunks: string[] = [];
  d.instance.writer = { write: (s: string) => chunks.push(s) };
  await d.feed('t', [
    [SEC, 0, { a: 1 }],
    [SEC, 1, { a: 2 }],
  ]);
  assert.deepEqual(chunks, [
    '2017-11-28 11:43:13.000000000 +0900 t: {"a":1}\n2017-11-28 11:43:13.000000001 +0900 t: {"a":2}\n',
  ]);
  assert.deepEqual(written(d), []);
});

test('a <buffer> section is left unconsumed (unbuffered for now), unknown formatters are errors', () => {
  const d = new OutputTestDriver(StdoutOutput, '<buffer>\nflush_interval 1s\n</buffer>');
  assert.equal(d.element.children('buffer')[0]!.consumed, false);
  assert.throws(
    () => new OutputTestDriver(StdoutOutput, '<format>\n@type csv\n</format>'),
    /Unknown formatter plugin 'csv'/,
  );
});

test('writes to the real process stdout in a child process', async () => {
  const { spawn } = await import('node:child_process');
  const url = new URL('../../src/plugins/out_stdout.js', import.meta.url).href;
  const drv = new URL('../../src/test-driver/index.js', import.meta.url).href;
  const script = `
    process.env.TZ = 'UTC';
    const { StdoutOutput } = await import(${JSON.stringify(url)});
    const { OutputTestDriver } = await import(${JSON.stringify(drv)});
    const d = new OutputTestDriver(StdoutOutput, 'use_logger false');
    await d.feed('child.tag', [[0, 1, { hello: 'world' }]]);
    await d.shutdown();
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b) => {
    out += b;
  });
  child.stderr.on('data', (b) => {
    err += b;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, err);
  assert.equal(out, '1970-01-01 00:00:00.000000001 +0000 child.tag: {"hello":"world"}\n');
});
