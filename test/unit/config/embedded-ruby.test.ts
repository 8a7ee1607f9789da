// `"#{...}"` idioms (spec §1.2 "Embedded Ruby", §9.13) through the parser.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse, parseError, value } from './helpers.js';

const v = (code: string, opts = {}) => value(`a "${code}"`, 'a', opts);

describe('supported idioms', () => {
  test('ENV lookups', () => {
    assert.equal(v("#{ENV['HOME']}"), '/home/td');
    assert.equal(v('#{ENV["HOME"]}/x'), '/home/td/x');
    assert.equal(v("#{ENV['NOPE']}"), '', 'a missing key is nil, interpolated as ""');
    assert.equal(v("pre-#{ENV['NOPE']}-post"), 'pre--post');
    assert.equal(v("#{ENV['EMPTY']}"), '');
  });

  test('ENV.fetch with a default, a block, or neither', () => {
    assert.equal(v("#{ENV.fetch('PORT', '1')}"), '24224');
    assert.equal(v("#{ENV.fetch('NOPE', 'dflt')}"), 'dflt');
    assert.equal(v("#{ENV.fetch('NOPE') { 'blk' }}"), 'blk');
    assert.equal(v('#{ENV.fetch("NOPE", 8080)}'), '8080');
    const e = parseError(`a "#{ENV.fetch('NOPE')}"`);
    assert.match(e.detail, /key not found: "NOPE"/);
  });

  test('hostname, Socket.gethostname, worker_id', () => {
    assert.equal(v('#{hostname}'), 'host1');
    assert.equal(v('#{Socket.gethostname}'), 'host1');
    assert.equal(v('w#{worker_id}', { workerId: '2' }), 'w2');
  });

  test('worker_id is "" in the supervisor; defaults to $SERVERENGINE_WORKER_ID', () => {
    assert.equal(v('w#{worker_id}'), 'w');
    const env = { SERVERENGINE_WORKER_ID: '5' };
    assert.equal(value('a "#{worker_id}"', 'a', { env, workerId: undefined }), '5');
  });

  test('literals and ||', () => {
    assert.equal(v("#{'lit'}"), 'lit');
    assert.equal(v('#{42}'), '42');
    assert.equal(v('#{1_000}'), '1000');
    assert.equal(v("#{ENV['NOPE'] || 'fallback'}"), 'fallback');
    assert.equal(v("#{ENV['HOME'] || 'fallback'}"), '/home/td');
    assert.equal(v("#{ENV['EMPTY'] || 'x'}"), '', '"" is truthy in Ruby');
    assert.equal(v("#{nil || false || ENV['NOPE'] || 'last'}"), 'last');
    assert.equal(v('#{nil}'), '');
    assert.equal(v('#{false}'), 'false');
  });

  test('+ and - (per-worker ports, joined strings)', () => {
    assert.equal(v('#{24224 + worker_id.to_i}', { workerId: '3' }), '24227');
    assert.equal(v("#{ENV['PORT'].to_i - 1}"), '24223');
    assert.equal(v("#{'a' + hostname}"), 'ahost1');
    assert.match(parseError(`a "#{1 + ENV['NOPE']}"`).detail, /nil can't be coerced into Integer/);
    assert.match(parseError(`a "#{'a' + 1}"`).detail, /no implicit conversion of Integer into String/);
  });

  test('method suffixes', () => {
    assert.equal(v("#{ENV['NAME'].strip.downcase}"), 'mixed case');
    assert.equal(v("#{ENV['NAME'].upcase}"), ' MIXED CASE ');
    assert.equal(v("#{ENV['PORT'].to_i}"), '24224');
    assert.equal(v("#{ENV['NOPE'].to_s}"), '');
    assert.equal(v("#{ENV['NOPE'].to_i}"), '0');
    assert.equal(v('#{hostname.upcase()}'), 'HOST1');
    assert.match(parseError(`a "#{ENV['NOPE'].downcase}"`).detail, /undefined method 'downcase' for nil/);
  });

  test('nested double-quoted strings with interpolation', () => {
    assert.equal(v(`#{ENV.fetch('NOPE', "#{hostname}-x")}`), 'host1-x');
  });

  test('use_nil / use_default make the whole value nil / default', () => {
    assert.equal(v("prefix #{ENV['NOPE'] || use_nil} suffix"), null);
    const p = parse(`a "#{ENV['NOPE'] || use_default}"`).params.get('a')!;
    assert.equal(p.value, null);
    assert.equal(p.useDefault, true);
    assert.equal(v("#{ENV['HOME'] || use_nil}"), '/home/td', 'short-circuit: use_nil not reached');
    assert.equal(v('#{use_default}#{use_nil}'), null, 'nil wins over default');
  });

  test('works in keys, element args and include paths', () => {
    const root = parse(`"k#{worker_id}" v\n<match "x.#{hostname}">\n</match>`, { workerId: '1' });
    assert.equal(root.params.get('k1')!.value, 'v');
    assert.equal(root.elements[0]!.arg, 'x.host1');
  });

  test('unsupported code names the code and the supported idioms', () => {
    for (const code of [
      '1 * 2',
      '`id`',
      'File.read("/etc/passwd")',
      "ENV['A'] && 'b'",
      'foo',
      "ENV['X'].reverse",
    ]) {
      const e = parseError(`a "#{${code}}"`);
      assert.match(e.detail, /^unsupported embedded Ruby code "#\{.*\}": supported are ENV\['X'\]/, code);
      assert.deepEqual(e.pos, { file: 'test.conf', line: 1, col: 4 });
    }
  });

  test('unterminated embedded code', () => {
    assert.equal(parseError("a \"#{ENV['X']").detail, 'expected end of embedded code but $end');
  });

  test('braces and quotes inside the code do not end it early', () => {
    assert.equal(v("#{ENV.fetch('NOPE') { '}' }}"), '}');
    assert.equal(v("#{'a\"b'}"), 'a"b');
  });

  test('a Ruby comment inside the code', () => {
    assert.equal(value('a "#{ENV[\'HOME\'] # where\n}"', 'a'), '/home/td');
  });
});
