// The supervisor keeps its workers: a worker that dies (SIGKILL) is started again, and the
// supervisor still stops cleanly afterwards.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { Proc } from '../helpers/proc.js';

test('a killed worker is respawned; TERM then stops the supervisor with status 0', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'td-agent-respawn-'));
  const conf = path.join(dir, 'td-agent.conf');
  fs.writeFileSync(
    conf,
    '<source>\n  @type sample\n  tag t\n</source>\n<match **>\n  @type null\n</match>\n',
  );
  const p = Proc.node('src/cli/td-agent.js', ['-c', conf]);
  try {
    await p.waitOutput(/fluentd worker is now running/, 'the first worker');
    const pid = Number(/starting fluentd worker pid=(\d+)/.exec(p.all)?.[1]);
    assert.ok(pid > 0);
    process.kill(pid, 'SIGKILL');
    await p.waitOutput(/Worker 0 finished unexpectedly with status SIGKILL/, 'the supervisor noticing');
    await p.waitOutput(/(fluentd worker is now running[\s\S]*){2}/, 'a second worker');
    assert.equal(p.exitCode, undefined, 'the supervisor is still running');
    assert.equal(await p.stop(), 0);
    assert.match(p.all, /Worker 0 finished with status 0/);
  } finally {
    await p.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
