// TimeParser against the verified cases of spec core §3.2 (process TZ = +09:00).
process.env.TZ = 'Asia/Tokyo';

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../../src/core/errors.js';
import { TimeParseError, TimeParser, type TimeParserOptions } from '../../../src/helpers/time-parser.js';

function t(o: TimeParserOptions, v: unknown): [number, number] {
  const r = new TimeParser(o).parse(v);
  return [r.sec, r.nsec];
}

test('no time_format: free-form parse in local time, zone honoured', () => {
  assert.deepEqual(t({}, '2024-01-01 00:00:00'), [1704034800, 0]);
  assert.deepEqual(t({}, '2024-01-01T00:00:00Z'), [1704067200, 0]);
  assert.deepEqual(t({}, '2024-01-01T09:00:00+09:00'), [1704067200, 0]);
  assert.deepEqual(t({}, 'Mon, 01 Jan 2024 00:00:00 +0000'), [1704067200, 0]);
  assert.deepEqual(t({}, 'Wed Oct 11 14:32:52 2000'), [971242372, 0]);
  assert.deepEqual(t({}, '10/Oct/2000:13:55:36 -0700'), [971211336, 0]);
  assert.deepEqual(t({}, '2024-01-01 00:00:00.25'), [1704034800, 250000000]);
});

test('time_format with localtime, utc, fixed offset and IANA zones', () => {
  const f = '%Y-%m-%d %H:%M:%S';
  assert.deepEqual(t({ format: f }, '2024-01-01 00:00:00'), [1704034800, 0]);
  assert.deepEqual(t({ format: f, utc: true }, '2024-01-01 00:00:00'), [1704067200, 0]);
  assert.deepEqual(t({ format: f, localtime: false }, '2024-01-01 00:00:00'), [1704067200, 0]);
  assert.deepEqual(t({ format: f, timezone: '+05:00' }, '2024-01-01 00:00:00'), [1704049200, 0]);
  assert.deepEqual(t({ format: f, timezone: '+0500' }, '2024-01-01 00:00:00'), [1704049200, 0]);
  assert.deepEqual(t({ format: f, timezone: '-03' }, '2024-01-01 00:00:00'), [1704078000, 0]);
  assert.deepEqual(t({ format: f, timezone: 'Asia/Tokyo' }, '2024-01-01 00:00:00'), [1704034800, 0]);
  // New York: EST in January (-05:00), EDT in July (-04:00)
  assert.deepEqual(t({ format: f, timezone: 'America/New_York' }, '2024-01-01 00:00:00'), [1704085200, 0]);
  assert.deepEqual(t({ format: f, timezone: 'America/New_York' }, '2024-07-01 00:00:00'), [1719806400, 0]);
});

test('a %z in the format takes the zone from the value, over utc/timezone', () => {
  const f = '%d/%b/%Y:%H:%M:%S %z';
  assert.deepEqual(t({ format: f }, '10/Oct/2000:13:55:36 -0700'), [971211336, 0]);
  assert.deepEqual(t({ format: f, utc: true }, '10/Oct/2000:13:55:36 -0700'), [971211336, 0]);
  assert.deepEqual(t({ format: f, timezone: '+09:00' }, '10/Oct/2000:13:55:36 -07:00'), [971211336, 0]);
  assert.deepEqual(t({ format: '%Y-%m-%dT%H:%M:%S%z' }, '2024-01-01T00:00:00Z'), [1704067200, 0]);
});

test('fractions: %N, %3N, %L; %iso8601', () => {
  assert.deepEqual(
    t({ format: '%Y-%m-%dT%H:%M:%S.%N%z' }, '2024-01-01T00:00:00.123456789+0000'),
    [1704067200, 123456789],
  );
  assert.deepEqual(
    t({ format: '%Y-%m-%dT%H:%M:%S.%3N%z' }, '2024-01-01T00:00:00.123+0000'),
    [1704067200, 123000000],
  );
  assert.deepEqual(
    t({ format: '%Y-%m-%dT%H:%M:%S.%L%z' }, '2003-10-11T22:14:15.003Z'),
    [1065910455, 3000000],
  );
  assert.deepEqual(t({ format: '%iso8601' }, '2024-01-01T00:00:00.123Z'), [1704067200, 123000000]);
  assert.deepEqual(t({ format: '%iso8601' }, '2024-01-01T09:00:00+09:00'), [1704067200, 0]);
});

test('other directives: %s, %Q, %j, %y, %I %p, %e, composites', () => {
  assert.deepEqual(t({ format: '%s' }, '1700000000'), [1700000000, 0]);
  assert.deepEqual(t({ format: '%Q' }, '1700000000123'), [1700000000, 123000000]);
  assert.deepEqual(t({ format: '%Y %j', utc: true }, '2024 032'), [1706745600, 0]);
  assert.deepEqual(t({ format: '%y%m%d', utc: true }, '240101'), [1704067200, 0]);
  assert.deepEqual(t({ format: '%Y-%m-%d %I:%M %p', utc: true }, '2024-01-01 12:30 AM'), [1704069000, 0]);
  assert.deepEqual(t({ format: '%Y-%m-%d %I:%M %p', utc: true }, '2024-01-01 01:30 pm'), [1704115800, 0]);
  assert.deepEqual(t({ format: '%b %e %Y', utc: true }, 'Jan  5 2024'), [1704412800, 0]);
  assert.deepEqual(t({ format: '%F %T', utc: true }, '2024-01-01 00:00:01'), [1704067201, 0]);
  assert.deepEqual(t({ format: '%Y%m%d%H%M%S', utc: true }, '20240102030405'), [1704164645, 0]);
  assert.deepEqual(t({ format: '%B %d, %Y', utc: true }, 'February 03, 2024'), [1706918400, 0]);
});

test('missing leading fields come from now (syslog has no year)', () => {
  const year = new Date().getUTCFullYear();
  const [sec] = t({ format: '%b %d %H:%M:%S', utc: true }, 'Mar  1 12:00:00');
  assert.equal(new Date(sec * 1000).getUTCFullYear(), year);
  assert.equal(new Date(sec * 1000).toISOString().slice(5), '03-01T12:00:00.000Z');
  const [s2] = t({ format: '%H:%M', utc: true }, '12:34');
  const today = new Date().toISOString().slice(0, 10);
  assert.equal(new Date(s2 * 1000).toISOString(), `${today}T12:34:00.000Z`);
});

test('numeric time types: float keeps the decimal digits, unixtime truncates', () => {
  assert.deepEqual(t({ type: 'float' }, '1510544836.154'), [1510544836, 154000000]);
  assert.deepEqual(t({ type: 'float' }, 1510544836.154), [1510544836, 154000000]);
  assert.deepEqual(t({ type: 'float' }, '1510544836.123456789123'), [1510544836, 123456789]);
  assert.deepEqual(t({ type: 'float' }, 1510544836), [1510544836, 0]);
  assert.deepEqual(t({ type: 'unixtime' }, '1510544836.9'), [1510544836, 0]);
  assert.deepEqual(t({ type: 'unixtime' }, 1510544836.9), [1510544836, 0]);
  // Fluentd quirk kept: a date string read as float is its integer prefix.
  assert.deepEqual(t({ type: 'float' }, '2024-01-01T00:00:00Z'), [2024, 0]);
  assert.throws(() => t({ type: 'float' }, { a: 1 }), /value must be a string or a number/);
});

test('mixed: time_format then fallbacks in order', () => {
  const o: TimeParserOptions = {
    type: 'mixed',
    format: '%Y-%m-%d %H:%M:%S',
    fallbacks: ['%iso8601', 'unixtime'],
    utc: true,
  };
  assert.deepEqual(t(o, '2024-01-01 00:00:00'), [1704067200, 0]);
  assert.deepEqual(t(o, '2024-01-01T00:00:00.5Z'), [1704067200, 500000000]);
  assert.deepEqual(t(o, 1704067200), [1704067200, 0]);
});

test('errors: bad values raise TimeParseError with Fluentd text; config errors', () => {
  assert.throws(
    () => t({ format: '%Y-%m-%d' }, 'garbage'),
    (e: Error) =>
      e instanceof TimeParseError &&
      /^invalid time format: value = garbage, error_class = ArgumentError/.test(e.message),
  );
  assert.throws(() => t({ format: '%Y-%m-%d' }, 12), /value must be string: 12/);
  assert.throws(() => t({}, 'no time here'), /no time information/);
  assert.throws(
    () => new TimeParser({ utc: true }),
    (e: Error) => e instanceof ConfigError && e.message === 'specifying timezone requires time format',
  );
  assert.throws(() => new TimeParser({ timezone: '-0700' }), /specifying timezone requires time format/);
  assert.throws(() => new TimeParser({ localtime: false }), /specifying timezone requires time format/);
  assert.throws(
    () => new TimeParser({ format: '%Y', timezone: 'Mars/Olympus' }),
    /Unsupported timezone 'Mars\/Olympus'/,
  );
  assert.throws(() => new TimeParser({ format: '%Y', timezone: 'foo' }), /Unsupported timezone 'foo'/);
});

test('cache: repeated values return the same result object', () => {
  const tp = new TimeParser({ format: '%Y-%m-%d %H:%M:%S', utc: true });
  const a = tp.parse('2024-01-01 00:00:00');
  const b = tp.parse('2024-01-01 00:00:01');
  assert.equal(tp.parse('2024-01-01 00:00:00'), a);
  assert.equal(tp.parse('2024-01-01 00:00:01'), b);
});
