// The daemon as a real process: sample → record_transformer → stdout, with real signals.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { Proc, waitFor } from '../helpers/proc.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'td-agent-e2e-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function conf(name: string, body: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, body);
  return f;
}

const PIPELINE = (tagValue: string) => `
<source>
  @type sample
  tag app.sample
  rate 20
  sample {"message":"hi"}
</source>
<filter app.**>
  @type record_transformer
  <record>
    host "#{Socket.gethostname}"
    stage ${tagValue}
    from_tag \${tag_parts[1]}
  </record>
</filter>
<match app.**>
  @type stdout
</match>
`;

for (const mode of ['supervised', 'no-supervisor'] as const) {
  test(`${mode}: prints transformed events; USR1 flushes; HUP reloads; TERM stops`, async () => {
    const file = conf(`pipeline-${mode}.conf`, PIPELINE('one'));
    const extra = mode === 'no-supervisor' ? ['--no-supervisor'] : [];
    const p = Proc.node('src/cli/td-agent.js', ['-c', file, ...extra]);
    try {
      await p.waitOutput(
        /app\.sample: \{"message":"hi","host":"[^"]+","stage":"one","from_tag":"sample"\}/,
        'a transformed event',
      );
      if (mode === 'supervised') assert.match(p.all, /using configuration file: <ROOT>/);
      // The first events may be printed before the worker reports that it runs.
      await p.waitOutput(/fluentd worker is now running/, 'the worker to run');

      p.kill('SIGUSR1');
      await p.waitOutput(/flushing all buffer forcedly/, 'USR1 handling');

      // A broken config on reload keeps the old pipeline running.
      fs.writeFileSync(file, '<match app.**>\n  @type stdout\n');
      p.kill('SIGHUP');
      await p.waitOutput(/Failed to reload config file/, 'reload failure log');
      const before = p.count(/"stage":"one"/);
      await waitFor(() => p.count(/"stage":"one"/) > before + 2, 'old pipeline still emitting');

      // A good config on reload replaces the pipeline.
      fs.writeFileSync(file, PIPELINE('two'));
      p.kill('SIGHUP');
      await p.waitOutput(/"stage":"two"/, 'events from the reloaded pipeline');

      const code = await p.stop();
      assert.equal(code, 0, p.all);
      assert.match(p.all, /shutting down fluentd worker/);
    } finally {
      p.kill('SIGKILL');
    }
  });
}

test('a config error exits 1 naming file:line:col', async () => {
  const file = conf(
    'bad.conf',
    '<source>\n  @type sample\n  tag x\n</source>\n<match **>\n  @type nonesuch\n</match>\n',
  );
  const p = Proc.node('src/cli/td-agent.js', ['-c', file]);
  const code = await p.exited;
  assert.equal(code, 1);
  assert.match(p.all, /bad\.conf:5:1 <match \*\*> @type nonesuch: Unknown output plugin 'nonesuch'/);
});

test('--dry-run lists unused parameters with did-you-mean and --strict-config fails on them', async () => {
  const file = conf(
    'typo.conf',
    '<source>\n  @type sample\n  tag x\n  rat 5\n</source>\n<match **>\n  @type null\n</match>\n',
  );
  const ok = Proc.node('src/cli/td-agent.js', ['--dry-run', '-c', file]);
  assert.equal(await ok.exited, 0, ok.all);
  assert.match(
    ok.all,
    /typo\.conf:4:3 parameter 'rat' in <source> @type sample is not used\. Did you mean 'rate'\?/,
  );
  assert.match(ok.all, /finished dry run mode/);
  const strict = Proc.node('src/cli/td-agent.js', ['--dry-run', '--strict-config', '-c', file]);
  assert.equal(await strict.exited, 1, strict.all);
});

test('-d writes the supervisor pid and the daemon logs to -o', async () => {
  const file = conf('daemon.conf', PIPELINE('d'));
  const pidfile = path.join(dir, 'run', 'td-agent.pid');
  const logfile = path.join(dir, 'td-agent.log');
  const p = Proc.node('src/cli/td-agent.js', ['-c', file, '-d', pidfile, '-o', logfile]);
  assert.equal(await p.exited, 0, p.all);
  const pid = Number(fs.readFileSync(pidfile, 'utf8'));
  assert.ok(pid > 0);
  try {
    await waitFor(
      () => fs.existsSync(logfile) && /"stage":"d"/.test(fs.readFileSync(logfile, 'utf8')),
      'daemon output in the log file',
    );
    // USR1 reopens the log file after rotation.
    fs.renameSync(logfile, `${logfile}.1`);
    process.kill(pid, 'SIGUSR1');
    await waitFor(
      () => fs.existsSync(logfile) && /"stage":"d"/.test(fs.readFileSync(logfile, 'utf8')),
      'output in the reopened log file',
    );
  } finally {
    process.kill(pid, 'SIGTERM');
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 'daemon exit');
  }
});

test('the startup config dump masks secret parameters', async () => {
  const file = conf(
    'secret.conf',
    '<match td.*.*>\n  @type tdlog\n  apikey 1/SECRETVALUE\n  buffer_type memory\n</match>\n',
  );
  const p = Proc.node('src/cli/td-agent.js', ['-c', file]);
  try {
    await p.waitOutput(/fluentd worker is now running/, 'the worker to run');
    assert.match(
      p.all,
      /using configuration file: <ROOT>\n {2}<match td\.\*\.\*>\n {4}@type "tdlog"\n {4}apikey xxxxxx\n/,
    );
    assert.ok(!p.all.includes('SECRETVALUE'), 'the key never appears in the log');
    assert.match(
      p.all,
      /<buffer tag>\n {6}@type "memory"\n {4}<\/buffer>/,
      'compat-generated sections are dumped',
    );
  } finally {
    await p.stop();
  }
});
