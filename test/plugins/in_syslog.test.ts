// in_syslog over real sockets: tags from PRI, the default parser, UDP/TCP/TLS, both TCP
// framings, unmatched lines, keys, limits.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { SyslogInput } from '../../src/plugins/in_syslog.js';
import { InputTestDriver } from '../../src/test-driver/index.js';
import { Client, makeCert, sendTcp, sendUdp, startInput, waitFor } from './in_tcp_support.js';

const TCP = '<transport tcp>\n</transport>';
const YEAR = new Date().getFullYear();

function localSec(month: number, day: number, h: number, m: number, s: number): number {
  return new Date(YEAR, month, day, h, m, s).getTime() / 1000;
}

test('defaults and config errors', () => {
  const d = new InputTestDriver(SyslogInput, 'tag sys');
  const c = d.instance.config;
  assert.equal(c.port, 5140);
  assert.equal(c.message_length_limit, 2048);
  assert.equal(c.frame_type, 'traditional');
  assert.throws(() => new InputTestDriver(SyslogInput, ''), /'tag' parameter is required/);
  assert.throws(
    () => new InputTestDriver(SyslogInput, 'tag s\nsend_keepalive_packet true'),
    /send_keepalive_packet is available for tcp\/tls/,
  );
  assert.throws(
    () => new InputTestDriver(SyslogInput, 'tag s\nsource_hostname_key h\nresolve_hostname false'),
    /resolve_hostname must be true with source_hostname_key/,
  );
  assert.throws(
    () => new InputTestDriver(SyslogInput, 'tag s\ninclude_source_host true\nsource_address_key a'),
    /either source_address_key or include_source_host/,
  );
  const dep = new InputTestDriver(SyslogInput, 'tag s\nprotocol_type tcp\npriority_key sev');
  assert.ok(dep.logs().some((l) => l.includes("'protocol_type' parameter is deprecated")));
  assert.ok(dep.logs().some((l) => l.includes('priority_key is deprecated. Use severity_key instead')));
  assert.equal(dep.instance.config.severity_key, 'sev');
});

test('UDP, RFC 3164: tag <tag>.<facility>.<severity>, pri removed, names as Fluentd', async () => {
  const { d, port } = await startInput(SyslogInput, 'tag sys\nseverity_key sev\nfacility_key fac');
  try {
    const lines = [
      '<6>Sep 10 00:00:00 host1 kernel: boot', // kern.info
      '<13>Sep 10 00:00:01 host1 app[42]: hello\n', // user.notice
      '<107>Sep 10 00:00:02 host1 x: audit', // 13*8+3 audit.err
      '<116>Sep 10 00:00:03 host1 x: alert', // 14*8+4 alert.warn
      '<127>Sep 10 00:00:04 host1 x: at', // 15*8+7 at.debug
      '<191>Sep 10 00:00:05 host1 x: local7', // 23*8+7 local7.debug
      '<192>Sep 10 00:00:06 host1 x: beyond', // facility 24: empty segment
      '<0>Sep 10 00:00:07 host1 x: emerg',
    ];
    await sendUdp(port, lines);
    await waitFor(() => d.events().length === lines.length, `${lines.length} events`);
    assert.deepEqual(
      d.events().map((e) => e.tag),
      [
        'sys.kern.info',
        'sys.user.notice',
        'sys.audit.err',
        'sys.alert.warn',
        'sys.at.debug',
        'sys.local7.debug',
        'sys..emerg',
        'sys.kern.emerg',
      ],
    );
    const e = d.events()[1]!;
    assert.deepEqual(e.record, {
      host: 'host1',
      ident: 'app',
      pid: '42',
      message: 'hello',
      sev: 'notice',
      fac: 'user',
    });
    assert.equal(e.sec, localSec(8, 10, 0, 0, 1));
    assert.equal(d.events()[6]!.record.fac, null);
  } finally {
    await d.shutdown();
  }
});

test('UDP: message_length_limit cuts datagrams; unmatched lines warn, or are emitted', async () => {
  const { d, port } = await startInput(
    SyslogInput,
    'tag s\nmessage_length_limit 40\nemit_unmatched_lines true\nsource_address_key addr',
  );
  try {
    await sendUdp(port, [
      `<13>Sep 10 00:00:01 host1 app: ${'x'.repeat(100)}`,
      'no priority here',
      '<13>garbage',
    ]);
    await waitFor(() => d.events().length === 3, '3 events');
    const [cut, bad1, bad2] = d.events();
    assert.equal(cut!.record.message, 'xxxxxxxxx', '40 bytes in all');
    assert.equal(d.instance.stats.truncated, 1);
    assert.equal(bad1!.tag, 's.unmatched');
    assert.deepEqual(bad1!.record, { unmatched_line: 'no priority here', addr: '127.0.0.1' });
    assert.deepEqual(bad2!.record, { unmatched_line: '<13>garbage', addr: '127.0.0.1' });
    assert.equal(d.instance.stats.unmatched, 2);
    assert.ok(d.logs().some((l) => l.includes('failed to parse message')));
  } finally {
    await d.shutdown();
  }
});

test('a non-syslog <parse>: PRI is stripped by the input; a message without it is invalid', async () => {
  const { d, port } = await startInput(SyslogInput, 'tag s\n<parse>\n@type none\n</parse>');
  try {
    await sendUdp(port, ['<165>free text', 'no pri']);
    await waitFor(() => d.instance.stats.messages === 2, 'both');
    await waitFor(() => d.events().length === 1, 'one event');
    assert.equal(d.events()[0]!.tag, 's.local4.notice');
    assert.deepEqual(d.events()[0]!.record, { message: 'free text' });
    assert.ok(d.logs().some((l) => l.includes('invalid syslog message')));
  } finally {
    await d.shutdown();
  }
});

test('TCP traditional framing, RFC 5424 with structured data (message_format auto)', async () => {
  const { d, port } = await startInput(
    SyslogInput,
    `tag s\nsource_hostname_key hn\n${TCP}\n<parse>\nmessage_format auto\n</parse>`,
  );
  try {
    const c = Client.tcp(port);
    const l1 =
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] An application event\n';
    const l2 = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed\r\n";
    const both = Buffer.from(l1 + l2);
    for (let i = 0; i < both.length; i += 7) await c.write(both.subarray(i, i + 7));
    await waitFor(() => d.events().length === 2, '2 events');
    const [a, b] = d.events();
    assert.equal(a!.tag, 's.local4.notice');
    assert.equal(a!.sec, Date.UTC(2003, 9, 11, 22, 14, 15) / 1000);
    assert.equal(a!.nsec, 3_000_000);
    assert.deepEqual(a!.record, {
      host: 'mymachine.example.com',
      ident: 'evntslog',
      pid: '-',
      msgid: 'ID47',
      extradata: '[exampleSDID@32473 iut="3"]',
      message: 'An application event',
      hn: 'localhost',
    });
    assert.equal(b!.tag, 's.auth.crit');
    assert.equal(b!.record.message, "'su root' failed", 'the \\r is chomped by the parser');
    c.destroy();
  } finally {
    await d.shutdown();
  }
});

test('TCP octet counting: frames split anywhere, oversized skipped, a bad count closes', async () => {
  const { d, port } = await startInput(
    SyslogInput,
    `tag s\nframe_type octet_count\ntcp_message_length_limit 100\n${TCP}`,
  );
  try {
    const m1 = '<13>Sep 10 00:00:01 h app: one';
    const m2 = '<14>Sep 10 00:00:02 h app: two\nlines';
    const big = `<13>Sep 10 00:00:03 h app: ${'z'.repeat(200)}`;
    const m3 = '<15>Sep 10 00:00:04 h app: three';
    const frame = (m: string) => `${Buffer.byteLength(m)} ${m}`;
    const c = Client.tcp(port);
    const data = Buffer.from(frame(m1) + frame(m2) + frame(big) + frame(m3));
    for (let i = 0; i < data.length; i += 5) await c.write(data.subarray(i, i + 5));
    await waitFor(() => d.events().length === 3, '3 events');
    assert.deepEqual(
      d.events().map((e) => [e.tag, e.record.message]),
      [
        ['s.user.notice', 'one'],
        ['s.user.info', 'two'], // an RFC 3164 message ends at its first newline, as in Fluentd
        ['s.user.debug', 'three'],
      ],
    );
    assert.equal(d.instance.stats.oversized, 1);
    await c.write('<13>Sep 10 00:00:05 h app: not framed\n');
    await c.done;
    assert.equal(d.instance.stats.framingErrors, 1);
    assert.ok(d.logs().some((l) => l.includes('invalid octet count')));
  } finally {
    await d.shutdown();
  }
});

test('TCP traditional: a line past tcp_message_length_limit is dropped, the connection lives', async () => {
  const { d, port } = await startInput(SyslogInput, `tag s\ntcp_message_length_limit 64\n${TCP}`);
  try {
    const c = Client.tcp(port);
    await c.write(`<13>Sep 10 00:00:01 h app: ${'y'.repeat(5000)}\n<13>Sep 10 00:00:02 h app: ok\n`);
    await waitFor(() => d.events().length === 1, 'the short line');
    assert.equal(d.records()[0]!.message, 'ok');
    assert.equal(d.instance.stats.discarded + d.instance.stats.oversized, 1);
    assert.equal(c.closed, false);
    c.destroy();
  } finally {
    await d.shutdown();
  }
});

test('TCP: many connections at once', async () => {
  const { d, port } = await startInput(SyslogInput, `tag s\n${TCP}`);
  try {
    const N = 100;
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        sendTcp(port, `<13>Sep 10 00:00:01 h app: c${i} a\n<13>Sep 10 00:00:01 h app: c${i} b\n`),
      ),
    );
    await waitFor(() => d.events().length === 2 * N, `${2 * N} events`);
    assert.equal(new Set(d.records().map((r) => r.message)).size, 2 * N);
  } finally {
    await d.shutdown();
  }
});

test('<transport tls>', async (t) => {
  const cert = makeCert();
  if (!cert) return t.skip('openssl not available');
  const { d, port } = await startInput(
    SyslogInput,
    `tag s\n<transport tls>\ncert_path ${cert.cert}\nprivate_key_path ${cert.key}\n</transport>`,
  );
  try {
    const c = Client.tls(port, cert.pem);
    await c.write('<86>Sep 10 00:00:01 h sshd[7]: accepted\n');
    await waitFor(() => d.events().length === 1, 'tls event');
    assert.equal(d.events()[0]!.tag, 's.authpriv.info');
    assert.equal(d.records()[0]!.pid, '7');
    c.destroy();
  } finally {
    await d.shutdown();
    fs.rmSync(cert.dir, { recursive: true, force: true });
  }
});

test('include_source_host (deprecated) adds source_host', async () => {
  const { d, port } = await startInput(SyslogInput, 'tag s\ninclude_source_host true');
  try {
    await sendUdp(port, ['<13>Sep 10 00:00:01 h app: x']);
    await waitFor(() => d.events().length === 1, 'event');
    assert.equal(d.records()[0]!.source_host, '127.0.0.1');
  } finally {
    await d.shutdown();
  }
});
