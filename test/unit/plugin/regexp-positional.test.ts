import assert from 'node:assert/strict';
import { test } from 'node:test';
import { positionalRegexp } from '../../../src/plugin/regexp-positional.js';

const CASES: [RegExp, string[]][] = [
  [/^(?<host>\S+) (?:x|(y)) (?<msg>.*)$/, ['h x rest', 'h y rest', 'nomatch']],
  [/(?<a>[(])\((?<b>[^)]*)\)(?<=\)) (?<!z)(?<c>\d+)?/, ['((in) 12', '((in) ', '(()']],
  [/^(?<k>[^\][(]+)=(?<v>(?:(a)|(b))+)$/u, ['key=abab', 'k(=a', 'x=ba']],
  [/(?<w>\w+)(?=\s)(\s)(?<rest>.*)/s, ['one two\nthree', 'single']],
  [/^\((?<esc>\\\(x\))$/, ['(\\(x)', 'nope']],
  [/(?<outer>a(?<inner>b)c)|(?<alt>d)/i, ['ABC', 'd', 'e']],
];

test('captures read by position equal the named groups, for every kind of group', () => {
  for (const [re, inputs] of CASES) {
    const pos = positionalRegexp(re);
    assert.ok(pos, String(re));
    assert.deepEqual(
      pos.slots.map(([n]) => n),
      Object.keys(re.exec(inputs[0]!)?.groups ?? {}),
      `names in source order for ${re}`,
    );
    for (const s of inputs) {
      const named = re.exec(s);
      const m = pos.re.exec(s);
      assert.equal(m === null, named === null, `${re} on ${JSON.stringify(s)}`);
      if (!m || !named) continue;
      for (const [name, i] of pos.slots) assert.equal(m[i], named.groups![name], `${name} of ${re} on ${s}`);
    }
  }
});

test('a back-reference by name keeps the named regexp', () => {
  assert.equal(positionalRegexp(/(?<q>['"]).*?\k<q>/), undefined);
});
