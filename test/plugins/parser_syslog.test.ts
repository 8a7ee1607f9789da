process.env.TZ = 'UTC';

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkParser } from './parser_support.js';

const year = new Date().getUTCFullYear();
const ts = (s: string) => Math.floor(Date.parse(s) / 1000);

test('rfc3164 from rsyslog: host, ident, pid, message; no year → this year', () => {
  const p = mkParser('@type syslog');
  const r = p.parseOne('Feb 28 12:00:00 192.168.0.1 fluentd[11111]: [error] Syslog test')!;
  assert.deepEqual(r.record, {
    host: '192.168.0.1',
    ident: 'fluentd',
    pid: '11111',
    message: '[error] Syslog test',
  });
  assert.equal(r.time!.sec, ts(`${year}-02-28T12:00:00Z`));
  const noPid = p.parseOne('Mar  1 01:02:03 host sshd: Accepted publickey\n')!;
  assert.deepEqual(noPid.record, { host: 'host', ident: 'sshd', message: 'Accepted publickey' });
});

test('rfc3164 with_priority, both engines, keep_time_key', () => {
  for (const engine of ['regexp', 'string']) {
    const p = mkParser(`@type syslog\nwith_priority true\nparser_type ${engine}\nkeep_time_key true`);
    const r = p.parseOne('<6>Feb 28 12:00:00 192.168.0.1 fluentd[11111]: [error] Syslog test')!;
    assert.deepEqual(
      r.record,
      {
        pri: 6,
        host: '192.168.0.1',
        ident: 'fluentd',
        pid: '11111',
        message: '[error] Syslog test',
        time: 'Feb 28 12:00:00',
      },
      engine,
    );
    assert.equal(p.parseOne('Feb 28 12:00:00 192.168.0.1 no priority'), null, engine);
  }
});

test('string engine: colonless ident and subsecond time', () => {
  const p = mkParser('@type syslog\nparser_type string\ntime_format %b %d %H:%M:%S.%N');
  const r = p.parseOne('Feb 28 12:00:00.123 host app[9] hello world')!;
  assert.deepEqual(r.record, { host: 'host', ident: 'app', pid: '9', message: 'hello world' });
  assert.equal(r.time!.nsec, 123000000);
});

test('rfc5424 with structured data, fraction and offset', () => {
  const p = mkParser('@type syslog\nmessage_format rfc5424\nwith_priority true');
  const line =
    '<16>1 2017-02-06T13:14:15.003Z 192.168.0.1 fluentd 11111 ID24224 [exampleSDID@20224 iut="3" eventSource="Application" eventID="11211"] Hi, from Fluentd!';
  const r = p.parseOne(line)!;
  assert.deepEqual(r.record, {
    pri: 16,
    host: '192.168.0.1',
    ident: 'fluentd',
    pid: '11111',
    msgid: 'ID24224',
    extradata: '[exampleSDID@20224 iut="3" eventSource="Application" eventID="11211"]',
    message: 'Hi, from Fluentd!',
  });
  assert.equal(r.time!.sec, ts('2017-02-06T13:14:15Z'));
  assert.equal(r.time!.nsec, 3000000);
  const noFrac = p.parseOne('<16>1 2017-02-06T13:14:15+09:00 host app - - - no sd')!;
  assert.equal(noFrac.time!.sec, ts('2017-02-06T04:14:15Z'));
  assert.deepEqual(noFrac.record, {
    pri: 16,
    host: 'host',
    ident: 'app',
    pid: '-',
    msgid: '-',
    extradata: '-',
    message: 'no sd',
  });
  const noMsg = p.parseOne('<16>1 2017-02-06T13:14:15Z host app - - [a b="]"][c]')!;
  assert.equal(noMsg.record.extradata, '[a b="]"][c]');
  assert.equal(noMsg.record.message, undefined);
});

test('auto detects RFC 5424 by <PRI>VERSION', () => {
  const p = mkParser('@type syslog\nmessage_format auto\nwith_priority true');
  assert.equal(
    p.parseOne("<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - BOM'su root' failed")!.record.msgid,
    'ID47',
  );
  assert.equal(p.parseOne("<34>Oct 11 22:14:15 mymachine su: 'su root' failed")!.record.ident, 'su');
});

test('garbage is unmatched, a bad time throws', () => {
  const p = mkParser('@type syslog\nmessage_format rfc5424');
  assert.equal(p.parseOne('not syslog'), null);
  const q = mkParser('@type syslog');
  assert.throws(() => q.parseOne('Xyz 99 12:00:00 host app: x'), /invalid time format/);
});
