import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clockDuration,
  csvLine,
  dumpColumn,
  formatWithDelimiter,
  humanizeBytesize,
  humanizeElapsed,
  humanizeTime,
  jsonValue,
  parseTdTime,
  rubyTime,
  storageSizeString,
} from '../../../src/cli/td/format.js';

test('thousands delimiter', () => {
  assert.equal(formatWithDelimiter(0), '0');
  assert.equal(formatWithDelimiter(999), '999');
  assert.equal(formatWithDelimiter(1000), '1,000');
  assert.equal(formatWithDelimiter(1234567), '1,234,567');
  assert.equal(formatWithDelimiter(12345678901234567890n), '12,345,678,901,234,567,890');
});

test('estimated storage size strings', () => {
  assert.equal(storageSizeString(0), '0.0 GB');
  assert.equal(storageSizeString(1024 * 1024), '0.0 GB');
  assert.equal(storageSizeString(1024 * 1024 + 1), '0.01 GB');
  assert.equal(storageSizeString(60 * 1024 * 1024), '0.01 GB');
  assert.equal(storageSizeString(3.5 * 1024 ** 3), '3.5 GB');
  assert.equal(storageSizeString(100 * 1024 ** 3), '100 GB');
});

test('humanize_bytesize truncates the fraction', () => {
  assert.equal(humanizeBytesize(0), '0 B');
  assert.equal(humanizeBytesize(null), '0 B');
  assert.equal(humanizeBytesize(12, 2), '12 B');
  assert.equal(humanizeBytesize(1024, 2), '1 kB');
  assert.equal(humanizeBytesize(1536, 2), '1.50 kB');
  assert.equal(humanizeBytesize(1025, 2), '1.00 kB');
  assert.equal(humanizeBytesize(5 * 1024 * 1024 + 1024 * 1024 * 0.3), '5.2 MB');
});

test('humanize_time', () => {
  assert.equal(humanizeTime(null), '');
  assert.equal(humanizeTime(0), '');
  assert.equal(humanizeTime(5), '5s');
  assert.equal(humanizeTime(61), '1m 1s');
  assert.equal(humanizeTime(3723), '1h 2m 3s');
  assert.equal(humanizeTime(61_500, true), '1m 1s 500ms');
  assert.equal(humanizeTime(45, true), ' 045ms');
  const start = parseTdTime('2024-05-01 12:00:00 UTC');
  assert.equal(humanizeElapsed(start, parseTdTime('2024-05-01 12:01:05 UTC')), '1m 5s');
  assert.equal(humanizeElapsed(null, null), '');
  assert.equal(clockDuration(3725), '01:02:05');
});

test('API timestamps parse and print like Ruby Time#to_s', () => {
  const utc = parseTdTime('2013-01-21 01:51:41 UTC');
  assert.deepEqual(utc, { ms: Date.UTC(2013, 0, 21, 1, 51, 41), zone: 'UTC' });
  assert.equal(rubyTime(utc), '2013-01-21 01:51:41 UTC');
  const off = parseTdTime('2013-01-20 18:51:41 -0700');
  assert.equal(off?.ms, utc?.ms);
  assert.equal(rubyTime(off), '2013-01-20 18:51:41 -0700');
  const iso = parseTdTime('2013-01-21T01:51:41Z');
  assert.equal(iso?.ms, utc?.ms);
  assert.equal(parseTdTime(null), null);
  assert.equal(parseTdTime(''), null);
  assert.equal(rubyTime(null), '');
  // local rendering follows the process time zone, with a numeric offset
  const local = rubyTime(utc, 'local');
  const d = new Date(utc?.ms as number);
  const off2 = -d.getTimezoneOffset();
  const sign = off2 < 0 ? '-' : '+';
  const hh = String(Math.floor(Math.abs(off2) / 60)).padStart(2, '0');
  const mm = String(Math.abs(off2) % 60).padStart(2, '0');
  assert.ok(local.endsWith(` ${sign}${hh}${mm}`), local);
});

test('JSON of decoded msgpack values: BigInt digits, bin as text, non-finite as strings', () => {
  assert.equal(
    jsonValue({ a: 2n ** 64n, b: Buffer.from('hi'), c: [1, null] }),
    '{"a":18446744073709551616,"b":"hi","c":[1,null]}',
  );
  assert.equal(jsonValue(Number.POSITIVE_INFINITY), '"Infinity"');
  assert.equal(jsonValue(undefined), 'null');
});

test('dump_column: strings raw, others JSON, null as "null" unless --null', () => {
  assert.equal(dumpColumn('abc'), 'abc');
  assert.equal(dumpColumn(12), '12');
  assert.equal(dumpColumn(null), 'null');
  assert.equal(dumpColumn(null, ''), '');
  assert.equal(dumpColumn({ k: [1] }), '{"k":[1]}');
});

test('CSV lines quote like Ruby CSV', () => {
  assert.equal(csvLine(['a', 'b,c', 'd"e', '', null, 'x\ny']), 'a,"b,c","d""e","",,"x\ny"');
  assert.equal(csvLine(['a\tb', 'c,d'], '\t'), '"a\tb"\tc,d');
});
