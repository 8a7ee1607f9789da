process.env.TZ = 'UTC';

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MultilineBuffer, type MultilineParser } from '../../src/plugins/parser_multiline.js';
import { mkParser } from './parser_support.js';

const CONF = [
  '@type multiline',
  'format_firstline /^\\d{4}-\\d{2}-\\d{2}/',
  'format1 /^(?<time>\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}) \\[(?<thread>.*)\\] (?<level>[^\\s]+)/',
  'format2 /(?<message>.*)/',
  'time_format %Y-%m-%d %H:%M:%S',
].join('\n');

test('java stack trace: firstline detection, formats joined with dot-all', () => {
  const p = mkParser(CONF) as MultilineParser;
  assert.ok(p.hasFirstline);
  const buf = new MultilineBuffer(p);
  const lines = [
    'orphan line before any event',
    '2013-03-03 14:27:33 [main] ERROR Main - Exception',
    'javax.management.RuntimeErrorException: null',
    '    at Main.main(Main.java:16) ~[bin/:na]',
    '2013-03-03 14:27:34 [main] INFO  Main - next',
  ];
  const events: string[] = [];
  const unmatched: string[] = [];
  for (const l of lines) {
    const out = buf.push(l);
    if (out.event) events.push(out.event);
    if (out.unmatched) unmatched.push(out.unmatched);
  }
  assert.deepEqual(unmatched, ['orphan line before any event']);
  assert.equal(events.length, 1);
  const r = p.parseOne(events[0]!)!;
  assert.equal(r.time!.sec, Date.UTC(2013, 2, 3, 14, 27, 33) / 1000);
  assert.deepEqual(r.record, {
    thread: 'main',
    level: 'ERROR',
    message:
      ' Main - Exception\njavax.management.RuntimeErrorException: null\n    at Main.main(Main.java:16) ~[bin/:na]',
  });
  assert.equal(p.parseOne(buf.flush()!)!.record.level, 'INFO');
  assert.equal(buf.pending, false);
});

test('config errors: gaps, out of range, not a regexp, no captures', () => {
  assert.throws(
    () => mkParser('@type multiline\nformat1 /(?<a>x)/\nformat3 /y/'),
    /Jump of format index found. format2 is missing./,
  );
  assert.throws(
    () => mkParser('@type multiline\nformat21 /(?<a>x)/'),
    /Invalid formatN found. N should be 1 - 20: format21/,
  );
  assert.throws(
    () => mkParser('@type multiline\nformat1 (?<a>x)'),
    /format should be Regexp, need \/\/, in format1/,
  );
  assert.throws(() => mkParser('@type multiline\nformat1 /x/'), /No named captures/);
});
