// JSON array/hash values (spec §1.2 `[`/`{` row) and the JSON layer itself.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dumpRubyJson, JsonWatcher, parseJsonText } from '../../../src/config/json-value.js';
import { parse, parseError, value } from './helpers.js';

describe('JSON values in the config', () => {
  test('stored compact, re-serialised', () => {
    assert.equal(value('a [1, 2, 3]', 'a'), '[1,2,3]');
    assert.equal(value('h {"k": "v", "n": null, "b": true}', 'h'), '{"k":"v","n":null,"b":true}');
    assert.equal(value('e []', 'e'), '[]');
    assert.equal(value('e {}', 'e'), '{}');
  });

  test('spanning lines, with # comments between elements', () => {
    const text = ['keys [', '  "a", # first', '  "b",   # second, with a trailing comma', '  "c"', ']'].join(
      '\n',
    );
    assert.equal(value(text, 'keys'), '["a","b","c"]');
    const hash = [
      'h {',
      '  # a whole comment line first',
      '  "x": 1, # one',
      '  "y": [1,',
      '        2]',
      '}',
    ].join('\n');
    assert.equal(value(hash, 'h'), '{"x":1,"y":[1,2]}');
  });

  test('quirk: a whole-line comment after a line ending in a comma is not a comment', () => {
    // Fluentd tests `text so far + "}"`; the comma of the previous line is already committed
    const text = ['h {', '  "x": 1,', '  # not a comment here', '  "y": 2', '}'].join('\n');
    assert.equal(parseError(text).detail, 'got incomplete JSON hash configuration');
  });

  test('# inside a JSON string is a character', () => {
    assert.equal(value('a ["#x", "y # z"]', 'a'), '["#x","y # z"]');
  });

  test('a comment after the closing bracket; text after it is an error', () => {
    assert.equal(value('a [1] # c', 'a'), '[1]');
    assert.equal(parseError('a [1] x').detail, 'expected end of line');
  });

  test('never valid -> incomplete JSON errors at the value', () => {
    const e = parseError('subject [CRITICAL] disk full\nother 1\n');
    assert.equal(e.detail, 'got incomplete JSON array configuration');
    assert.deepEqual(e.pos, { file: 'test.conf', line: 1, col: 9 });
    assert.equal(parseError('h {"a": 1,\n').detail, 'got incomplete JSON hash configuration');
    assert.equal(parseError('a [1, 2').detail, 'got incomplete JSON array configuration');
    assert.equal(parseError('a [1, 2, # c').detail, 'got incomplete JSON array configuration');
  });

  test('quoted, such strings are fine', () => {
    assert.equal(value('subject "[CRITICAL] disk full"', 'subject'), '[CRITICAL] disk full');
    assert.equal(value("subject '[1, 2'", 'subject'), '[1, 2');
  });

  test('numbers keep Ruby forms: exact integers, floats like Float#to_s', () => {
    assert.equal(
      value('a [1.0, 2.50, 1e2, -0, -0.0, 12345678901234567890, 1E20, 0.00001]', 'a'),
      '[1.0,2.5,100.0,0,-0.0,12345678901234567890,1.0e+20,1.0e-05]',
    );
  });

  test('duplicate keys: last wins, first position', () => {
    assert.equal(value('h {"a": 1, "b": 2, "a": 3}', 'h'), '{"a":3,"b":2}');
  });

  test('/* */ and // comments (Ruby JSON allow_comments)', () => {
    assert.equal(value('a [1, /* two */ 2 // end\n]', 'a'), '[1,2]');
  });

  test('"#{...}" inside a JSON value is evaluated [1.18+]; single-quote the value to disable', () => {
    assert.equal(value(`a ["#{ENV['HOME']}", "#{hostname}"]`, 'a'), '["/home/td","host1"]');
    assert.equal(value(`a '["#{hostname}"]'`, 'a'), '["#{hostname}"]');
    assert.equal(value('a ["#{}"]', 'a'), '["#{}"]');
  });

  test('nesting: 100 levels are fine, 101 are not (Ruby max_nesting)', () => {
    assert.equal(value(`a ${'['.repeat(100)}${']'.repeat(100)}`, 'a'), '['.repeat(100) + ']'.repeat(100));
    assert.equal(
      parseError(`a ${'['.repeat(101)}${']'.repeat(101)}`).detail,
      'got incomplete JSON array configuration',
    );
  });

  test('strict JSON otherwise', () => {
    for (const bad of ['[1,]', '[01]', "['a']", '[NaN]', '[1 2]', '{"a" 1}', '{a: 1}', '["\\x"]', '[.5]']) {
      assert.match(parseError(`a ${bad}`).detail, /got incomplete JSON (array|hash) configuration/, bad);
    }
  });

  test('a huge unterminated value fails fast with an error', () => {
    const e = parseError(`a [${'1,'.repeat(600_000)}`);
    assert.match(e.detail, /JSON array value longer than|incomplete JSON array/);
  });

  test('positions continue correctly after a multi-line value', () => {
    const root = parse('a [1,\n2,\n3]\nb 1\n');
    assert.equal(root.params.get('b')!.pos.line, 4);
  });
});

describe('JsonWatcher', () => {
  const feedAll = (s: string): JsonWatcher => {
    const w = new JsonWatcher();
    for (const c of s) w.feed(c);
    return w;
  };

  test('complete exactly at the closing bracket', () => {
    assert.equal(feedAll('[1, [2], {"a": "]"}').complete, false);
    assert.equal(feedAll('[1, [2], {"a": "]"}]').complete, true);
  });

  test('fails as soon as no continuation can be valid', () => {
    assert.equal(feedAll('[1,,').failed, true);
    assert.equal(feedAll('["a\\q').failed, true);
    assert.equal(feedAll('[tru').failed, false);
    assert.equal(feedAll('[trux').failed, true);
  });

  test('clone is independent', () => {
    const a = feedAll('[1');
    const b = a.clone();
    b.feed(']');
    assert.equal(b.complete, true);
    assert.equal(a.complete, false);
  });
});

describe('parseJsonText / dumpRubyJson', () => {
  test('round trip', () => {
    const src = '{"s": "a\\"b\\u00e9\\n", "a": [true, false, null, -1.5e-3]}';
    assert.equal(dumpRubyJson(parseJsonText(src)), '{"s":"a\\"bé\\n","a":[true,false,null,-0.0015]}');
  });

  test('top-level scalars parse', () => {
    assert.equal(dumpRubyJson(parseJsonText(' "x" ')), '"x"');
  });

  test('floats out of range are an error', () => {
    assert.throws(() => dumpRubyJson(parseJsonText('[1e400]')), /out of the range/);
  });
});
