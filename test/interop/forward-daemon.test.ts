// Real daemons: fluent-cat → td-agent forwarder (in_forward → out_forward, file buffer,
// require_ack_response) → td-agent aggregator (in_forward → out_file). The forward plugins are
// loaded with `-p` until they are registered as built-ins.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { DIST, freePort, Proc, waitFor } from '../helpers/proc.js';

function fluentCat(args: string[], input: string): Promise<number | null> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(DIST, 'src/cli/fluent-cat.js'), ...args], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    p.on('close', resolve);
    p.stdin.end(input);
  });
}

test('fluent-cat → forwarder daemon → aggregator daemon → out_file', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fwd-daemons-'));
  const aggPort = await freePort();
  const fwdPort = await freePort();
  fs.writeFileSync(
    path.join(dir, 'agg.conf'),
    `<source>\n  @type forward\n  port ${aggPort}\n  bind 127.0.0.1\n</source>
<match app.**>\n  @type file\n  path ${dir}/out/app\n  <format>\n    @type json\n  </format>\n  <buffer>\n    flush_mode interval\n    flush_interval 0.2\n  </buffer>\n</match>\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'fwd.conf'),
    `<source>\n  @type forward\n  port ${fwdPort}\n  bind 127.0.0.1\n</source>
<match app.**>\n  @type forward\n  require_ack_response true\n  heartbeat_interval 0.2\n  <server>\n    host 127.0.0.1\n    port ${aggPort}\n  </server>
  <buffer>\n    @type file\n    path ${dir}/fwdbuf\n    flush_mode interval\n    flush_interval 0.1\n  </buffer>\n</match>\n`,
  );
  const plugins = [
    '-p',
    path.join(DIST, 'src/plugins/in_forward'),
    '-p',
    path.join(DIST, 'src/plugins/out_forward'),
  ];
  const agg = Proc.node('src/cli/td-agent.js', [
    '-c',
    path.join(dir, 'agg.conf'),
    '--no-supervisor',
    ...plugins,
  ]);
  const fwd = Proc.node('src/cli/td-agent.js', [
    '-c',
    path.join(dir, 'fwd.conf'),
    '--no-supervisor',
    ...plugins,
  ]);
  try {
    await agg.waitOutput(/worker is now running/, 'the aggregator to start');
    await fwd.waitOutput(/worker is now running/, 'the forwarder to start');
    const lines = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({ n: i, msg: 'through two hops' }),
    ).join('\n');
    assert.equal(await fluentCat(['-p', String(fwdPort), '--ack', 'app.two_hops'], `${lines}\n`), 0);
    const read = () => {
      const out = path.join(dir, 'out');
      if (!fs.existsSync(out)) return [];
      return (
        (fs.readdirSync(out, { recursive: true }) as string[])
          .map((f) => path.join(out, f))
          // out_file's own buffer files (buffer.*.log) live next to the output: skip them.
          .filter(
            (f) =>
              !path.basename(f).startsWith('buffer.') && fs.statSync(f, { throwIfNoEntry: false })?.isFile(),
          )
          .flatMap((f) => {
            try {
              return fs.readFileSync(f, 'utf8').split('\n');
            } catch {
              return [];
            }
          })
          .filter((l) => l.includes('through two hops'))
          .map((l) => JSON.parse(l) as { n: number })
      );
    };
    await waitFor(() => read().length >= 200, '200 records in the aggregator output');
    const ns = read()
      .map((r) => r.n)
      .sort((a, b) => a - b);
    assert.deepEqual(
      ns,
      Array.from({ length: 200 }, (_, i) => i),
      `forwarder log:\n${fwd.all}\naggregator log:\n${agg.all}`,
    );
  } finally {
    await fwd.stop();
    await agg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
