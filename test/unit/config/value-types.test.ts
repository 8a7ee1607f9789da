// Value converters (spec §1.6 every verified edge case, §9.1, §9.4) and didYouMean.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  didYouMean,
  toArray,
  toBool,
  toEnum,
  toFloat,
  toHash,
  toInteger,
  toRegexp,
  toSize,
  toStringValue,
  toTime,
} from '../../../src/config/value-types.js';
import { configError } from './helpers.js';

const o = { name: 'p' };
const strict = { name: 'p', strict: true };

describe('integer (Ruby to_i)', () => {
  test('spec edge cases', () => {
    assert.equal(toInteger('abc', o), 0);
    assert.equal(toInteger('10k', o), 10);
    assert.equal(toInteger('0x10', o), 0);
    assert.equal(toInteger(' 5', o), 5);
    assert.equal(toInteger('-12', o), -12);
    assert.equal(toInteger('1_000', o), 1000);
    assert.equal(toInteger('', o), 0);
  });

  test('strict: Integer() with Fluentd text', () => {
    assert.equal(toInteger('0x10', strict), 16);
    assert.equal(toInteger(' 42 ', strict), 42);
    assert.equal(toInteger('017', strict), 15);
    assert.equal(
      configError(() => toInteger('abc', strict)).message,
      'p: invalid value for Integer(): "abc"',
    );
    assert.equal(
      configError(() => toInteger('10k', strict)).message,
      'p: invalid value for Integer(): "10k"',
    );
    assert.equal(configError(() => toInteger('', strict)).message, 'p: invalid value for Integer(): ""');
  });
});

describe('float (Ruby to_f)', () => {
  test('lenient', () => {
    assert.equal(toFloat('1.5', o), 1.5);
    assert.equal(toFloat('1.5m', o), 1.5);
    assert.equal(toFloat('abc', o), 0);
    assert.equal(toFloat('1e3', o), 1000);
    assert.equal(toFloat('.5', o), 0.5);
  });

  test('strict', () => {
    assert.equal(toFloat('2.5', strict), 2.5);
    assert.equal(configError(() => toFloat('x', strict)).message, 'p: invalid value for Float(): "x"');
    assert.equal(configError(() => toFloat('1.', strict)).message, 'p: invalid value for Float(): "1."');
  });
});

describe('size', () => {
  test('spec edge cases', () => {
    assert.equal(toSize('8m', o), 8388608);
    assert.equal(toSize('256MB', o), 268435456);
    assert.equal(toSize('10mb', o), 10485760);
    assert.equal(toSize('1.5g', o), 5 * 1024 ** 3, '1.5g matches "5g": 5 GiB');
    assert.equal(toSize('abc', o), 0);
    assert.equal(toSize('1k', o), 1024);
    assert.equal(toSize('2t', o), 2 * 1024 ** 4);
    assert.equal(toSize('1024', o), 1024);
  });

  test('k wins over m wherever they are (priority order, not position)', () => {
    assert.equal(toSize('1m2k', o), 2048);
  });

  test('strict applies to the integer fallback', () => {
    assert.equal(configError(() => toSize('abc', strict)).message, 'p: invalid value for Integer(): "abc"');
  });
});

describe('time (seconds)', () => {
  test('spec edge cases', () => {
    assert.equal(toTime('60', o), 60);
    assert.equal(toTime('1m', o), 60);
    assert.equal(toTime('0.5', o), 0.5);
    assert.equal(toTime('0.5h', o), 18000, '0.5h matches "5h"');
    assert.equal(toTime('1.5m', o), 300, '1.5m matches "5m"');
    assert.equal(toTime('100ms', o), 6000, '100ms matches "100m"');
    assert.equal(toTime('1H', o), 1, 'case-sensitive: 1H is the float 1.0');
    assert.equal(toTime('10sec', o), 10);
    assert.equal(toTime('abc', o), 0);
    assert.equal(toTime('2d', o), 172800);
    assert.equal(toTime('3h', o), 10800);
  });

  test('strict applies to the float fallback', () => {
    assert.equal(configError(() => toTime('abc', strict)).message, 'p: invalid value for Float(): "abc"');
  });
});

describe('bool', () => {
  test('true/yes, false/no, "" and #... true, the rest nil', () => {
    assert.equal(toBool('true', o), true);
    assert.equal(toBool('yes', o), true);
    assert.equal(toBool('false', o), false);
    assert.equal(toBool('no', o), false);
    assert.equal(toBool('', o), true);
    assert.equal(toBool('# enable', o), true);
    for (const x of ['TRUE', '1', 'on', 'True', 'off', '0']) assert.equal(toBool(x, o), null, x);
  });

  test('strict', () => {
    assert.equal(configError(() => toBool('x', strict)).message, 'p: invalid bool value: x');
    assert.equal(toBool('yes', strict), true);
  });
});

describe('enum, string', () => {
  test('exact match', () => {
    assert.equal(toEnum('b', ['a', 'b'], o), 'b');
    assert.equal(configError(() => toEnum('x', ['a', 'b'], o)).message, 'valid options are a,b but got x');
    assert.equal(configError(() => toEnum('A', ['a', 'b'], o)).message, 'valid options are a,b but got A');
  });

  test('string is the value', () => {
    assert.equal(toStringValue(' x ', o), ' x ');
  });
});

describe('array', () => {
  test('comma split, blanks trimmed', () => {
    assert.deepEqual(toArray('a,b , c', o), ['a', 'b', 'c']);
    assert.deepEqual(toArray('', o), []);
    assert.deepEqual(toArray('  x  ', o), ['x']);
    assert.deepEqual(toArray('a,,b,', o), ['a', '', 'b']);
  });

  test('JSON when it starts with [', () => {
    assert.deepEqual(toArray('["a", 1, true, null]', o), ['a', 1, true, null]);
    assert.equal(
      configError(() => toArray('[1,', o)).message,
      'p: invalid JSON array: unexpected token at offset 3',
    );
  });

  test('element value types', () => {
    assert.deepEqual(toArray('1,2,x', { name: 'p', valueType: 'integer' }), [1, 2, 0]);
    assert.deepEqual(toArray('[1, "2", 3.7]', { name: 'p', valueType: 'integer' }), [1, 2, 3]);
    assert.deepEqual(toArray('1m,5s', { name: 'p', valueType: 'time' }), [60, 5]);
    assert.deepEqual(toArray('[1.0, 2]', { name: 'p', valueType: 'string' }), ['1.0', '2']);
  });
});

describe('hash', () => {
  test('k:v pairs, first colon splits', () => {
    assert.deepEqual(toHash('k:v:w, x:y', o), { k: 'v:w', x: 'y' });
    assert.deepEqual(toHash('k', o), { k: null });
    assert.deepEqual(toHash('a:', o), { a: '' });
    assert.deepEqual(toHash('', o), {});
  });

  test('JSON when it starts with {', () => {
    assert.deepEqual(toHash('{"a": 1, "b": {"c": [2]}}', o), { a: 1, b: { c: [2] } });
  });

  test('only a leading { selects JSON (as in Fluentd)', () => {
    assert.deepEqual(toHash('[1]', o), { '[1]': null });
    assert.match(configError(() => toHash('{"a":', o)).message, /^p: invalid JSON hash: /);
  });

  test('__proto__ is just a key', () => {
    const h = toHash('{"__proto__": {"x": 1}}', o);
    assert.equal(Object.getPrototypeOf(h), Object.prototype);
    assert.deepEqual(Object.keys(h), ['__proto__']);
  });

  test('value types', () => {
    assert.deepEqual(toHash('a:1,b:2', { name: 'p', valueType: 'integer' }), { a: 1, b: 2 });
    assert.equal(
      configError(() => toHash('a:x', { name: 'p', strict: true, valueType: 'integer' })).message,
      'a: invalid value for Integer(): "x"',
    );
  });
});

describe('regexp', () => {
  test('/.../ with flags', () => {
    const r = toRegexp('/^Foo.bar$/im');
    assert.ok(r.ignoreCase);
    assert.ok(r.dotAll, 'Ruby /m = dot matches newline');
    assert.ok(r.test('foo\nBAR'));
  });

  test('without slashes the whole string is the pattern', () => {
    const r = toRegexp('a/b');
    assert.ok(r.test('xa/by'));
    assert.equal(r.ignoreCase, false);
  });

  test('^ and $ are line anchors as in Ruby; \\A \\z \\h translated', () => {
    assert.ok(toRegexp('/^b$/').test('a\nb\nc'));
    const anchored = toRegexp('/\\Ab\\z/');
    assert.equal(anchored.test('a\nb'), false);
    assert.equal(anchored.test('b'), true);
    assert.ok(toRegexp('/^\\h+$/').test('dead01'));
    assert.ok(toRegexp('/^[[:alpha:]]+$/').test('abcXYZ'));
    assert.ok(toRegexp('/(?<name>\\w+)/').exec('hey')!.groups!.name === 'hey');
  });

  test('missing right slash and bad patterns', () => {
    assert.equal(configError(() => toRegexp('/abc')).message, 'invalid regexp: missing right slash: /abc');
    assert.match(configError(() => toRegexp('/(/')).message, /^invalid regexp \/\(\/: /);
  });
});

describe('didYouMean', () => {
  const params = [
    'flush_interval',
    'flush_mode',
    'chunk_limit_size',
    'retry_max_times',
    '@type',
    'path',
    'port',
  ];

  test('mistypes and misspellings', () => {
    assert.equal(didYouMean('flush_intreval', params), 'flush_interval');
    assert.equal(didYouMean('flushinterval', params), 'flush_interval');
    assert.equal(didYouMean('chunk_limit_szie', params), 'chunk_limit_size');
    assert.equal(didYouMean('retry_max_time', params), 'retry_max_times');
    assert.equal(didYouMean('type', params), '@type');
    assert.equal(didYouMean('pth', params), 'path');
    assert.equal(didYouMean('PORT', params), 'port');
  });

  test('nothing close', () => {
    assert.equal(didYouMean('completely_different', params), undefined);
    assert.equal(didYouMean('xyz', params), undefined);
    assert.equal(didYouMean('', params), undefined);
    assert.equal(didYouMean('path', params), undefined, 'an exact match is not a suggestion');
  });
});
