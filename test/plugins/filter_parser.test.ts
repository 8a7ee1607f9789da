import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParserFilter } from '../../src/plugins/filter_parser.js';
import { FilterTestDriver } from '../../src/test-driver/index.js';

const T = 1700000000;

function driver(extra: string, parse = '@type json'): FilterTestDriver<ParserFilter> {
  const d = new FilterTestDriver(ParserFilter, `${extra}\n<parse>\n${parse}\n</parse>`);
  d.time = { sec: T, nsec: 7 };
  return d;
}

test('the parsed fields replace the record; the parsed time wins over the event time', () => {
  const d = driver('key_name log');
  const out = d.filter('app', [{ log: '{"a":1,"time":1600000000.5}', host: 'h' }]);
  assert.deepEqual(out, [{ tag: 'app', sec: 1600000000, nsec: 500000000, record: { a: 1 } }]);
  assert.deepEqual(d.errorEvents(), []);
});

test('reserve_data merges (parsed wins), reserve_time keeps the event time, remove_key_name_field', () => {
  const input = { log: '{"a":1,"host":"parsed","time":1600000000}', host: 'orig', keep: true };
  const d = driver('key_name log\nreserve_data true\nreserve_time true');
  assert.deepEqual(d.filter('app', [input]), [
    { tag: 'app', sec: T, nsec: 7, record: { log: input.log, host: 'parsed', keep: true, a: 1 } },
  ]);
  const r = driver('key_name log\nreserve_data true\nremove_key_name_field true');
  const [ev] = r.filter('app', [input]);
  assert.deepEqual(ev!.record, { host: 'parsed', keep: true, a: 1 });
  assert.equal(ev!.sec, 1600000000);
  // The input record is never mutated.
  assert.deepEqual(Object.keys(input), ['log', 'host', 'keep']);
});

test('inject_key_prefix, hash_value_field; nested key_name through the record accessor', () => {
  const d = driver('key_name $.k8s.log\ninject_key_prefix p_\nhash_value_field parsed\nreserve_data true');
  const rec = { k8s: { log: '{"a":1,"b":"x"}', pod: 'w' } };
  const [ev] = d.filter('app', [rec]);
  assert.deepEqual(ev!.record, { k8s: rec.k8s, parsed: { p_a: 1, p_b: 'x' } });
  const rm = driver('key_name $.k8s.log\nremove_key_name_field true\nreserve_data true');
  assert.deepEqual(rm.filter('app', [rec])[0]!.record, { k8s: { pod: 'w' }, a: 1, b: 'x' });
  assert.equal(rec.k8s.log, '{"a":1,"b":"x"}', 'nested containers are copied, not mutated');
});

test('a JSON array gives one event per object (filter_stream form)', () => {
  const d = driver('key_name log');
  const out = d.filter('app', [{ log: '[{"a":1},{"a":2}]' }, { log: '{"a":3}' }]);
  assert.deepEqual(
    out.map((e) => e.record),
    [{ a: 1 }, { a: 2 }, { a: 3 }],
  );
});

test('mismatch: error event "pattern not matched"; dropped, or kept as is with reserve_data', () => {
  const d = driver('key_name msg', '@type regexp\nexpression /^(?<k>\\w+)=(?<v>\\w+)$/');
  const out = d.filter('app', [{ msg: 'nope' }, { msg: 'a=b' }]);
  assert.deepEqual(
    out.map((e) => e.record),
    [{ k: 'a', v: 'b' }],
  );
  const errs = d.errorEvents();
  assert.equal(errs.length, 1);
  assert.equal(errs[0]!.error.message, "pattern not matched with data 'nope'");
  assert.deepEqual(errs[0]!.record, { msg: 'nope' });

  const keep = driver(
    'key_name msg\nreserve_data true\nhash_value_field h',
    '@type regexp\nexpression /^(?<x>x)$/',
  );
  assert.deepEqual(keep.filter('app', [{ msg: 'nope' }]), [
    { tag: 'app', sec: T, nsec: 7, record: { msg: 'nope', h: {} } },
  ]);
  assert.equal(keep.errorEvents().length, 1);
});

test('missing key: error "<key> does not exist"; kept only with reserve_data', () => {
  const d = driver('key_name log');
  assert.deepEqual(d.filter('app', [{ other: 1 }, { log: null }]), []);
  assert.deepEqual(
    d.errorEvents().map((e) => e.error.message),
    ['log does not exist', 'log does not exist'],
  );
  const keep = driver('key_name log\nreserve_data true');
  assert.deepEqual(keep.filter('app', [{ other: 1 }])[0]!.record, { other: 1 });
});

test('parser errors (bad time) become error events; emit_invalid_record_to_error false silences them', () => {
  const d = driver('key_name log', '@type json\ntime_type string\ntime_format %Y-%m-%d');
  assert.deepEqual(d.filter('app', [{ log: '{"time":"garbage","a":1}' }]), []);
  assert.equal(d.errorEvents().length, 1);
  assert.equal(d.errorEvents()[0]!.error.name, 'ParserError');

  const quiet = driver('key_name log\nemit_invalid_record_to_error false');
  assert.deepEqual(quiet.filter('app', [{ log: 'not json' }, { nolog: 1 }, { log: 5 }]), []);
  assert.deepEqual(quiet.errorEvents(), []);
});

test('non-string values fail to parse; bytes are decoded, invalid UTF-8 needs replace_invalid_sequence', () => {
  const d = driver('key_name log', '@type none');
  assert.deepEqual(d.filter('app', [{ log: 42 }]), []);
  assert.match(
    d.errorEvents()[0]!.error.message,
    /^parse failed no implicit conversion of Integer into String/,
  );

  const bad = Buffer.from([0x61, 0xff, 0x62]);
  assert.deepEqual(
    d.filter('app', [{ log: Buffer.from('héllo') }]).map((e) => e.record),
    [{ message: 'héllo' }],
  );
  assert.deepEqual(d.filter('app', [{ log: bad }]), []);
  assert.match(d.errorEvents().at(-1)!.error.message, /invalid byte sequence in UTF-8/);

  const scrub = driver('key_name log\nreplace_invalid_sequence true', '@type none');
  assert.deepEqual(
    scrub.filter('app', [{ log: bad }]).map((e) => e.record),
    [{ message: 'a?b' }],
  );
});

test('ltsv with reserve_data, as in the tail-parse fixture; flat `format` is accepted (v0.12)', () => {
  const d = driver('key_name log\nreserve_data true\nremove_key_name_field true', '@type ltsv');
  assert.deepEqual(d.filter('app', [{ log: 'a:1\tb:2', x: 'y' }])[0]!.record, { x: 'y', a: '1', b: '2' });
  const flat = new FilterTestDriver(ParserFilter, 'key_name log\nformat json');
  assert.deepEqual(flat.filter('app', [{ log: '{"z":1}' }])[0]!.record, { z: 1 });
  assert.ok(flat.instance.streamFilter, 'overrides filterStream');
});

test('config errors: key_name and <parse> are required', () => {
  assert.throws(
    () => new FilterTestDriver(ParserFilter, '<parse>\n@type json\n</parse>'),
    /'key_name' parameter is required/,
  );
  assert.throws(() => new FilterTestDriver(ParserFilter, 'key_name log'), /<parse> section is required/);
  assert.throws(
    () => new FilterTestDriver(ParserFilter, 'key_name log\n<parse>\n@type nosuch\n</parse>'),
    /Unknown parser plugin 'nosuch'/,
  );
});
