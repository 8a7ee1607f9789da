// The one Ruby-regexp translator (src/core/ruby-regexp.ts) through both entry points: the config
// `regexp` value type (toRegexp; filter_grep, in_tail <group>) and parsers' `expression`
// (rubyRegexp). Expected matches were produced by Ruby 3.1 (`Regexp.new(src).match(s)`).
// Before the merge the value type passed \G through (JS read it as a literal "G"), failed on
// (?>..) and X*+, and silently kept [[:^alpha:]] and [\H] as literal characters; the parser
// copy rejected \G and read X{n}+ as possessive (Ruby: (?:X{n})+).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toRegexp } from '../../../src/config/value-types.js';
import { translateRubyRegexp } from '../../../src/core/ruby-regexp.js';
import { rubyRegexp } from '../../../src/plugin/parser-ruby-regexp.js';

// [Ruby source, subject, Ruby's match[0] or null]
const RUBY: [string, string, string | null][] = [
  ['(?<host>\\S+) (?<code>\\d+)', 'web1 200', 'web1 200'],
  ['\\Aab', 'xab', null],
  ['\\Aab', 'ab\nx', 'ab'],
  ['b\\z', 'ab\n', null],
  ['b\\Z', 'ab\n', 'b'],
  ['b\\Z', 'ab\nx', null],
  ['^b$', 'a\nb\nc', 'b'],
  ['\\h+\\z', 'DEADbeef', 'DEADbeef'],
  ['\\A\\H+\\z', 'xyz', 'xyz'],
  ['\\A\\H+\\z', 'xya', null],
  ['\\A[[:alpha:]]+[[:digit:]]\\z', 'abc1', 'abc1'],
  ['\\A[[:space:][:punct:]]+\\z', ' !?', ' !?'],
  ['\\A[[:upper:]][[:lower:]]+\\z', 'Hello', 'Hello'],
  ['\\A[[:xdigit:]]+\\z', 'ff0', 'ff0'],
  ['(?>ab|a)c', 'abc', 'abc'],
  ['\\Aa++b', 'aab', 'aab'],
  ['\\Aa*+', 'aaa', 'aaa'],
  ['\\Gab', 'abx', 'ab'],
  ['\\Gab', 'xab', null],
  ['a.b', 'a\nb', null],
  ['[\\[\\]]+', 'x[]', '[]'],
  ['[]a]+', ']a', ']a'],
  ['[\\h-]+\\z', 'ab-12', 'ab-12'],
];

const ENTRY: [string, (src: string) => RegExp][] = [
  ['toRegexp', (src) => toRegexp(`/${src}/`)],
  ['rubyRegexp', (src) => rubyRegexp(`/${src}/`)],
  ['bare source (filter_grep legacy form)', (src) => new RegExp(translateRubyRegexp(src), 'm')],
];

for (const [name, make] of ENTRY) {
  test(`${name}: matches as Ruby does`, () => {
    const bad: string[] = [];
    for (const [src, s, want] of RUBY) {
      const got = make(src).exec(s)?.[0] ?? null;
      if (got !== want) bad.push(`/${src}/ on ${JSON.stringify(s)}: want ${want} got ${got}`);
    }
    assert.deepEqual(bad, []);
  });
}

test('named groups come through', () => {
  assert.equal(toRegexp('/(?<name>\\w+)/').exec('hey')!.groups!.name, 'hey');
  assert.equal(rubyRegexp('/(?<a>\\d+)-(?<b>\\d+)/').exec('1-2')!.groups!.b, '2');
});

test('flags: /i, /m is dot-all, ^ $ are always line anchors, /x only for parsers', () => {
  for (const make of [toRegexp, rubyRegexp]) {
    assert.ok(make('/ABC/i').test('abc'));
    assert.ok(make('/a.b/m').test('a\nb'));
    assert.ok(!make('/a.b/').test('a\nb'));
    assert.ok(make('/^b$/').test('a\nb\nc'));
  }
  assert.ok(rubyRegexp('/ a  b # comment\n c /x').test('abc'));
  assert.ok(rubyRegexp('a.b', 'm').test('a\nb'));
});

test('unsupported Ruby forms are ConfigErrors naming the construct, for both entry points', () => {
  const cases: [string, RegExp][] = [
    ['(?i:a)', /inline option groups/],
    ['a(?i)b', /inline option groups/],
    ['(?(1)a|b)', /conditional groups/],
    ['[[:^alpha:]]', /negated POSIX class \[:\^alpha:\]/],
    ['[\\H]', /\\H inside a character class/],
    ['\\d{2}+', /X\{n\}\+/],
  ];
  for (const [src, re] of cases) {
    assert.throws(
      () => rubyRegexp(`/${src}/`),
      (e: Error) => e.name === 'ConfigError' && re.test(e.message),
    );
    assert.throws(
      () => toRegexp(`/${src}/`, { name: 'pattern' }),
      (e: Error) =>
        e.name === 'ConfigError' &&
        e.message.startsWith(`pattern: invalid regexp /${src}/: `) &&
        re.test(e.message),
    );
  }
});

test('error texts pinned elsewhere stay as they were', () => {
  assert.throws(() => toRegexp('/abc'), { message: 'invalid regexp: missing right slash: /abc' });
  assert.throws(() => toRegexp('/(/'), { message: /^invalid regexp \/\(\/: / });
  assert.throws(() => rubyRegexp('/(/'), { message: /^invalid regexp '\/\(\/': / });
});
