import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Rec } from '../../src/core/event-stream.js';
import { GrepFilter } from '../../src/plugins/filter_grep.js';
import { FilterTestDriver } from '../../src/test-driver/index.js';

function grep(conf: string, records: Rec[]): Rec[] {
  const d = new FilterTestDriver(GrepFilter, conf);
  return d.filter('t', records).map((e) => e.record);
}

const sec = (name: string, key: string, pattern: string) =>
  `<${name}>\nkey ${key}\npattern ${pattern}\n</${name}>\n`;

test('<regexp> keeps matching records; several are AND', () => {
  const recs = [
    { m: 'cool', s: 'a' },
    { m: 'cool', s: 'b' },
    { m: 'hot', s: 'a' },
  ];
  assert.deepEqual(grep(sec('regexp', 'm', '/cool/'), recs), [recs[0], recs[1]]);
  const d = new FilterTestDriver(GrepFilter, sec('regexp', 'm', '/cool/') + sec('regexp', 's', '/^a$/'));
  assert.deepEqual(
    d.filter('t', recs).map((e) => e.record),
    [recs[0]],
  );
  assert.ok(
    d.logs().some((l) => l.includes("Top level multiple <regexp> is interpreted as 'and' condition")),
  );
});

test('<exclude> drops matching records; several are OR', () => {
  const recs = [{ l: 'debug' }, { l: 'info' }, { l: 'info', m: 'x' }];
  assert.deepEqual(grep(sec('exclude', 'l', '/debug/'), recs), [recs[1], recs[2]]);
  assert.deepEqual(grep(sec('exclude', 'l', '/debug/') + sec('exclude', 'm', '/x/'), recs), [recs[1]]);
});

test('<or> of regexps, <and> of excludes', () => {
  const recs = [
    { a: 'x', b: 'y' },
    { a: 'x', b: 'n' },
    { a: 'n', b: 'n' },
  ];
  const or = `<or>\n${sec('regexp', 'a', '/^x$/')}\n${sec('regexp', 'b', '/^y$/')}\n</or>`;
  assert.deepEqual(grep(or, recs), [recs[0], recs[1]]);
  const and = `<and>\n${sec('exclude', 'a', '/^x$/')}\n${sec('exclude', 'b', '/^y$/')}\n</and>`;
  assert.deepEqual(grep(and, recs), [recs[1], recs[2]]);
});

test('record accessor keys, to_s of values, and missing keys as ""', () => {
  const recs: Rec[] = [{ k: { ns: 'prod-1' } }, { k: { ns: 'dev' } }, { n: 500 }, { n: 200 }, {}];
  assert.deepEqual(grep(sec('regexp', '$.k.ns', '/^prod/'), recs), [recs[0]]);
  assert.deepEqual(grep(sec('regexp', "$['k']['ns']", '/^dev$/'), recs), [recs[1]]);
  assert.deepEqual(grep(sec('regexp', 'n', '/^5\\d\\d$/'), recs), [recs[2]]);
  // A missing field is "" — a pattern that matches "" keeps records without the field.
  assert.deepEqual(grep(sec('regexp', 'n', '/^$/'), recs), [recs[0], recs[1], recs[4]]);
  assert.deepEqual(grep(sec('regexp', 'h', '/"a"=>1/'), [{ h: { a: 1 } }]), [{ h: { a: 1 } }]);
});

test('Ruby regexp semantics: ^ and $ are line anchors, /i flag', () => {
  const recs = [{ m: 'first\nERROR here' }, { m: 'fine' }];
  assert.deepEqual(grep(sec('regexp', 'm', '/^error/i'), recs), [recs[0]]);
});

test('a lookup that raises keeps the record and warns (Fluentd rescues per record)', () => {
  const d = new FilterTestDriver(GrepFilter, sec('regexp', '$.s.x', '/y/'));
  assert.deepEqual(
    d.filter('t', [{ s: 'str' }]).map((e) => e.record),
    [{ s: 'str' }],
  );
  assert.ok(d.logs().some((l) => l.includes('[warn]: failed to grep events error_class=TypeError')));
});

test('legacy regexpN / excludeN (deprecated)', () => {
  const recs = [
    { m: 'cool', l: 'debug' },
    { m: 'cool', l: 'info' },
    { m: 'hot', l: 'info' },
  ];
  const d = new FilterTestDriver(GrepFilter, 'regexp1 m cool\nexclude3 l ^debug$');
  assert.deepEqual(
    d.filter('t', recs).map((e) => e.record),
    [recs[1]],
  );
  assert.ok(d.logs().some((l) => l.includes("'regexp1' parameter is deprecated: Use <regexp> section")));
  assert.throws(
    () => new FilterTestDriver(GrepFilter, 'regexp2 onlykey'),
    /regexp2 does not contain 2 parameters/,
  );
  assert.throws(
    () => new FilterTestDriver(GrepFilter, 'regexp1 m a\nregexp2 m b'),
    /regexp2 contains a duplicated key, m/,
  );
});

test('config errors', () => {
  assert.throws(
    () => new FilterTestDriver(GrepFilter, sec('regexp', 'a', '/x/') + sec('regexp', 'a', '/y/')),
    /Duplicate key: a/,
  );
  assert.throws(
    () =>
      new FilterTestDriver(
        GrepFilter,
        `<and>\n${sec('regexp', 'a', '/x/')}\n${sec('exclude', 'b', '/y/')}\n</and>`,
      ),
    /Do not specify both <regexp> and <exclude> in <and>/,
  );
  assert.throws(
    () => new FilterTestDriver(GrepFilter, '<regexp>\nkey a\n</regexp>'),
    /'pattern' parameter is required/,
  );
  assert.throws(
    () => new FilterTestDriver(GrepFilter, sec('regexp', '$.a b', '/x/')),
    /whitespace character is not allowed/,
  );
});

test('an unchanged batch is the same stream object; dropping gives a smaller stream', () => {
  const d = new FilterTestDriver(GrepFilter, sec('regexp', 'm', '/./'));
  const out = d.filterStream('t', [{ m: 'a' }, { m: 'b' }]);
  assert.equal(out!.length, 2);
  const dropped = d.filterStream('t', [{ m: '' }, { m: 'b' }]);
  assert.equal(dropped!.length, 1);
  assert.equal(d.instance.streamFilter, false);
});
