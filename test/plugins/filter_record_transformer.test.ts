// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tests are full of Fluentd ${...} placeholders
process.env.TZ = 'Asia/Tokyo';

import assert from 'node:assert/strict';
import * as os from 'node:os';
import { test } from 'node:test';
import type { Rec } from '../../src/core/event-stream.js';
import { RecordTransformerFilter } from '../../src/plugins/filter_record_transformer.js';
import { FilterTestDriver } from '../../src/test-driver/index.js';

const SEC = 1704067200; // 2024-01-01 09:00:00 +0900

function driver(conf: string): FilterTestDriver<RecordTransformerFilter> {
  const d = new FilterTestDriver(RecordTransformerFilter, conf);
  d.time = { sec: SEC, nsec: 123 };
  return d;
}

function one(conf: string, record: Rec, tag = 'app.web.access'): Rec {
  const out = driver(conf).filter(tag, [record]);
  assert.equal(out.length, 1);
  return out[0]!.record;
}

const rec = (lines: string) => `<record>\n${lines}\n</record>`;

test('tag, tag_parts (negative too), tag_prefix, tag_suffix, hostname, time', () => {
  const r = one(
    rec(
      [
        'tag ${tag}',
        'p0 ${tag_parts[0]}',
        'pl ${tag_parts[-1]}',
        'pre ${tag_prefix[1]}',
        'suf ${tag_suffix[1]}',
        'sufl ${tag_suffix[-1]}',
        'host ${hostname}',
        'time ${time}',
        'mixed ${tag_parts[1]}-${tag_parts[2]}!',
      ].join('\n'),
    ),
    { keep: 1 },
  );
  assert.deepEqual(r, {
    keep: 1,
    tag: 'app.web.access',
    p0: 'app',
    pl: 'access',
    pre: 'app.web',
    suf: 'web.access',
    sufl: 'access',
    host: os.hostname(),
    time: '2024-01-01 09:00:00 +0900',
    mixed: 'web-access!',
  });
});

test('record["k"]: auto_typecast keeps the type of a lone placeholder; embedded ones are to_s', () => {
  const input = { n: 5, f: 1.5, h: { a: 1 }, nil: null, s: 'x' };
  const r = one(
    rec(
      'n2 ${record["n"]}\nh2 ${record["h"]}\nnil2 ${record["nil"]}\nemb n=${record["n"]} h=${record["h"]} nil=${record["nil"]}',
    ),
    input,
  );
  assert.equal(r.n2, 5);
  assert.deepEqual(r.h2, { a: 1 });
  assert.equal(r.nil2, null);
  assert.equal(r.emb, 'n=5 h={"a"=>1} nil=');
  const off = one(`auto_typecast false\n${rec('n2 ${record["n"]}')}`, input);
  assert.equal(off.n2, '5');
});

test('unknown placeholders warn and become nil (alone) or empty (embedded)', () => {
  const d = driver(
    rec('a ${record[\'single\']}\nb x${nope}y\nc __FOO__\nd ${record["missing"]}\ne ${tag_parts[9]}'),
  );
  const out = d.filter('t.u', [{ single: 1 }]);
  assert.deepEqual(out[0]!.record, { single: 1, a: null, b: 'xy', c: null, d: null, e: null });
  const logs = d.logs().join('\n');
  assert.match(logs, /\[warn\]: unknown placeholder `\$\{record\['single'\]\}` found/);
  assert.match(logs, /unknown placeholder `\$\{nope\}` found/);
  assert.match(logs, /unknown placeholder `__FOO__` found/);
});

test('JSON values expand recursively; keys are expanded as strings', () => {
  const r = one(
    rec(
      'meta {"t":"${tag}","n":["${record[\\"n\\"]}",2],"${tag_parts[0]}_k":{"deep":"${tag_parts[-1]}"}}\n${tag_parts[0]}_key v',
    ),
    { n: 7 },
  );
  assert.deepEqual(r.meta, { t: 'app.web.access', n: [7, 2], app_k: { deep: 'access' } });
  assert.equal(r.app_key, 'v');
});

test('renew_record with keep_keys; remove_keys with record accessor', () => {
  const input = { a: 1, b: 2, nested: { x: 1, y: 2 } };
  const r = one(
    `renew_record true\nkeep_keys a,nested\nremove_keys $.nested.y\n${rec('c ${record["b"]}')}`,
    input,
  );
  assert.deepEqual(r, { a: 1, nested: { x: 1 }, c: 2 });
  assert.deepEqual(input.nested, { x: 1, y: 2 }, 'the original nested map is not mutated');
  const r2 = one('remove_keys a,b', input);
  assert.deepEqual(r2, { nested: { x: 1, y: 2 } });
  assert.throws(() => driver('keep_keys a'), /`renew_record` must be true to use `keep_keys`/);
});

test('renew_time_key sets the event time from unix seconds (float ok)', () => {
  const d = driver('renew_time_key t');
  const out = d.filter('x', [{ t: 1700000000.25 }, { t: '1700000001' }, { other: 1 }]);
  assert.deepEqual(
    out.map((e) => [e.sec, e.nsec]),
    [
      [1700000000, 250000000],
      [1700000001, 0],
      [SEC, 123],
    ],
  );
});

test('the original record is never modified; each event gets a new record', () => {
  const input = { a: 1 };
  const d = driver(rec('b 2'));
  const out = d.filter('x', [input]);
  assert.deepEqual(input, { a: 1 });
  assert.deepEqual(out[0]!.record, { a: 1, b: '2' });
  assert.equal(d.instance.streamFilter, true);
});

test('a failing event becomes an error event and is dropped from the stream', () => {
  const d = driver('renew_time_key t');
  const out = d.filter('x', [{ t: { bad: 1 } }, { t: 5 }]);
  assert.equal(out.length, 1);
  assert.equal(d.errorEvents().length, 1);
  assert.deepEqual(d.errorEvents()[0]!.record, { t: { bad: 1 } });
});

test('invalid JSON values stay strings, with a warning', () => {
  // Unquoted, the config parser itself rejects it; quoted, the plugin tries JSON and keeps the text.
  const d = driver(rec('j "{bad json"'));
  assert.deepEqual(d.filter('x', [{}])[0]!.record, { j: '{bad json' });
  assert.ok(
    d.logs().some((l) => l.includes('failed to parse {bad json as json. Assuming {bad json is a string')),
  );
});

test('enable_ruby: the supported idioms', () => {
  const input = { a: { b: 'Deep' }, list: [1, 2, 3], s: ' pad ', n: '42' };
  const r = one(
    `enable_ruby true\n${rec(
      [
        'x ${record["a"]["b"].downcase}',
        "y ${record.dig('a', 'b')}",
        'z ${tag_parts.last}-${tag_parts[0].upcase}',
        'first ${record["list"].first}',
        'size ${record["list"].size}',
        'strip ${record["s"].strip}',
        'n ${record["n"].to_i}',
        'secs ${time.to_i}',
        "day ${time.strftime('%Y/%m/%d')}",
        'missing ${record["nope"]}',
      ].join('\n'),
    )}`,
    input,
  );
  assert.equal(r.x, 'deep');
  assert.equal(r.y, 'Deep');
  assert.equal(r.z, 'access-APP');
  assert.equal(r.first, 1);
  assert.equal(r.size, 3);
  assert.equal(r.strip, 'pad');
  assert.equal(r.n, 42);
  assert.equal(r.secs, SEC);
  assert.equal(r.day, '2024/01/01');
  assert.equal(r.missing, null);
});

test('enable_ruby: unsupported Ruby is a clear config error; nil errors become error events', () => {
  assert.throws(
    () => driver(`enable_ruby true\n${rec('x ${record["a"].gsub(/a/, "b")}')}`),
    /enable_ruby: .* is not supported here \(no Ruby VM\)/,
  );
  assert.throws(() => driver(`enable_ruby true\n${rec('x ${Time.now}')}`), /is not supported here/);
  const d = driver(`enable_ruby true\n${rec('x ${record["nope"]["deeper"]}')}`);
  assert.equal(d.filter('t', [{}]).length, 0);
  assert.match(d.errorEvents()[0]!.error.message, /undefined method '\[\]' for nil/);
});
