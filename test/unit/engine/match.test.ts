import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MatchPattern } from '../../../src/engine/match.js';

// Rows from spec/fluentd-core.md §2.1.
const cases: [string, string[], string[]][] = [
  ['a.b', ['a.b'], ['aXb', 'a.b.c', 'a']],
  ['*', ['a', ''], ['a.b']],
  ['a.*.c', ['a.b.c', 'a..c'], ['a.c', 'a.b.d.c']],
  ['a*', ['a', 'ab'], ['a.b', 'ba']],
  ['a.**', ['a', 'a.b', 'a.b.c'], ['ab', 'b.a']],
  ['**.a', ['a', 'x.a', 'x.y.a'], ['xa', 'a.x']],
  ['a.**.b', ['a.b', 'a.x.y.b', 'a.x.b'], ['a.xb', 'ab']],
  ['**', ['', 'a', 'a.b.c'], []],
  ['a.{b,c}.*', ['a.b.x', 'a.c.y'], ['a.d.x', 'a.b']],
  ['a.{b,c.**}', ['a.b', 'a.c', 'a.c.d', 'a.c.d.e'], ['a.d']],
  ['{a,{b,c}}.x', ['a.x', 'b.x', 'c.x'], ['d.x']],
  ['/(?!a\\.).*/', ['b.xxx', 'a'], ['a.xxx']],
  ['a\\*', ['a*'], ['ab']],
  ['td.*.* debug.**', ['td.testdb.www_access', 'debug', 'debug.x.y'], ['td.testdb', 'other']],
  ['', ['anything.at.all'], []],
  ['a+b.c$', ['a+b.c$'], ['aab.c', 'a+b.c']],
];

for (const [pattern, yes, no] of cases) {
  test(`pattern ${JSON.stringify(pattern)}`, () => {
    const m = new MatchPattern(pattern);
    for (const t of yes) assert.ok(m.match(t), `${pattern} should match ${JSON.stringify(t)}`);
    for (const t of no) assert.ok(!m.match(t), `${pattern} should not match ${JSON.stringify(t)}`);
  });
}

test('a regex pattern must start and end with /', () => {
  assert.throws(() => new MatchPattern('/abc'), /invalid match - regex/);
});

test('an unterminated brace is a config error', () => {
  assert.throws(() => new MatchPattern('a.{b,c'), /unterminated/);
});
