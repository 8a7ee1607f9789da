// in_syslog against a real, independent client: util-linux `logger` (Debian's bsdutils),
// over UDP and TCP, RFC 3164 and RFC 5424, newline and octet-counting framing.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { SyslogInput } from '../../src/plugins/in_syslog.js';
import { startInput, waitFor } from '../plugins/in_tcp_support.js';

const run = promisify(execFile);

async function hasLogger(): Promise<boolean> {
  try {
    const { stdout } = await run('logger', ['--version']);
    return stdout.includes('util-linux');
  } catch {
    return false;
  }
}
const available = await hasLogger();
const skip = available ? false : 'util-linux logger not installed (apt-get install bsdutils)';

function logger(port: number, args: string[]): Promise<unknown> {
  return run('logger', ['-n', '127.0.0.1', '-P', String(port), ...args], { timeout: 10_000 });
}

/** logger writes the short or the full host name depending on the format. */
function assertHost(h: unknown): void {
  const name = os.hostname();
  const ok = typeof h === 'string' && (h === name || name.startsWith(`${h}.`) || h.startsWith(`${name}.`));
  assert.ok(ok, `host ${String(h)} is ${name}`);
}

function assertRecent(sec: number): void {
  assert.ok(Math.abs(sec - Date.now() / 1000) < 120, `time ${sec} is now`);
}

test('UDP, RFC 3164: facility/severity in the tag, ident, pid, message', { skip }, async () => {
  const { d, port } = await startInput(SyslogInput, 'tag sys\nseverity_key sev\nfacility_key fac');
  try {
    await logger(port, [
      '-d',
      '--rfc3164',
      '-t',
      'myapp',
      '--id=4242',
      '-p',
      'local3.warning',
      'hello udp 3164',
    ]);
    await logger(port, ['-d', '--rfc3164', '-t', 'cron', '-p', 'cron.info', 'second']);
    await waitFor(() => d.events().length === 2, '2 events from logger');
    const [a, b] = d.events();
    assert.equal(a!.tag, 'sys.local3.warn');
    assert.equal(a!.record.ident, 'myapp');
    assert.equal(a!.record.pid, '4242');
    assert.equal(a!.record.message, 'hello udp 3164');
    assert.equal(a!.record.sev, 'warn');
    assert.equal(a!.record.fac, 'local3');
    assert.equal(a!.record.pri, undefined);
    assertHost(a!.record.host);
    assertRecent(a!.sec);
    assert.equal(b!.tag, 'sys.cron.info');
    assert.equal(b!.record.message, 'second');
  } finally {
    await d.shutdown();
  }
});

test('UDP, RFC 5424 with msgid and structured data (message_format rfc5424)', { skip }, async () => {
  const { d, port } = await startInput(SyslogInput, 'tag sys\n<parse>\nmessage_format rfc5424\n</parse>');
  try {
    await logger(port, [
      '-d',
      '--rfc5424',
      '-t',
      'svc',
      '--msgid',
      'MID7',
      '--sd-id',
      'test@32473',
      '--sd-param',
      'user="alice"',
      '-p',
      'auth.notice',
      'structured hello',
    ]);
    await waitFor(() => d.events().length === 1, 'event from logger');
    const e = d.events()[0]!;
    assert.equal(e.tag, 'sys.auth.notice');
    assert.equal(e.record.ident, 'svc');
    assert.equal(e.record.msgid, 'MID7');
    assert.match(String(e.record.extradata), /\[test@32473 user="alice"\]/);
    assert.equal(e.record.message, 'structured hello');
    assertHost(e.record.host);
    assertRecent(e.sec);
    assert.equal(e.nsec % 1000, 0, 'microseconds from logger kept');
  } finally {
    await d.shutdown();
  }
});

test('TCP, newline framing: several lines from a file over one connection (auto format)', {
  skip,
}, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-logger-'));
  const file = path.join(dir, 'lines.txt');
  fs.writeFileSync(file, 'first line\nsecond line\nthird line\n');
  const { d, port } = await startInput(
    SyslogInput,
    'tag sys\nsource_address_key addr\n<transport tcp>\n</transport>\n<parse>\nmessage_format auto\n</parse>',
  );
  try {
    await logger(port, ['-T', '--rfc3164', '-t', 'filer', '-p', 'daemon.err', '-f', file]);
    await logger(port, ['-T', '-t', 'five', '-p', 'mail.debug', 'rfc5424 over tcp']);
    await waitFor(() => d.events().length === 4, '4 events');
    assert.deepEqual(
      d.events().map((e) => [e.tag, e.record.ident, e.record.message]),
      [
        ['sys.daemon.err', 'filer', 'first line'],
        ['sys.daemon.err', 'filer', 'second line'],
        ['sys.daemon.err', 'filer', 'third line'],
        ['sys.mail.debug', 'five', 'rfc5424 over tcp'],
      ],
    );
    assert.equal(d.records()[0]!.addr, '127.0.0.1');
  } finally {
    await d.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('TCP, octet counting (RFC 6587), RFC 5424', { skip }, async () => {
  const { d, port } = await startInput(
    SyslogInput,
    'tag sys\nframe_type octet_count\n<transport tcp>\n</transport>\n<parse>\nmessage_format rfc5424\n</parse>',
  );
  try {
    await logger(port, ['-T', '--octet-count', '--rfc5424', '-t', 'oc', '-p', 'local0.info', 'counted one']);
    await logger(port, ['-T', '--octet-count', '--rfc5424', '-t', 'oc', '-p', 'local0.crit', 'counted two']);
    await waitFor(() => d.events().length === 2, '2 events');
    assert.deepEqual(
      d.events().map((e) => [e.tag, e.record.ident, e.record.message]),
      [
        ['sys.local0.info', 'oc', 'counted one'],
        ['sys.local0.crit', 'oc', 'counted two'],
      ],
    );
    assert.equal(d.instance.stats.framingErrors, 0);
  } finally {
    await d.shutdown();
  }
});
