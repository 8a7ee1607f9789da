// The seed walkthrough against `npm start` (quickstart.js), with real curl and the real td CLI:
//   curl -X POST -d 'json={"action":"login","user":2}' http://localhost:8888/td.testdb.www_access
//   kill -USR1 <td-agent pid>
//   td tables        → testdb | www_access | log | 1

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { freePort, Proc, waitFor } from '../helpers/proc.js';

test('npm start, curl, kill -USR1, td tables shows the row', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'walkthrough-'));
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home);
  const env = { HOME: home, TRIBUTARY_VAR: path.join(tmp, 'var'), TD_SERVER_PORT: String(await freePort()) };
  delete process.env.TD_CONFIG_PATH;
  const start = Proc.node('src/cli/quickstart.js', [], { env });
  try {
    await start.waitOutput(/Tributary is running/, 'npm start to come up', 60_000);
    assert.match(
      start.out,
      /curl -X POST -d 'json=\{"action":"login","user":2\}' http:\/\/localhost:8888\/td\.testdb\.www_access/,
    );
    assert.match(start.out, /wrote .*td\.conf/);

    const code = execFileSync(
      'curl',
      [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-X',
        'POST',
        '-d',
        'json={"action":"login","user":2}',
        'http://localhost:8888/td.testdb.www_access',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(code, '200');

    const pid = Number(fs.readFileSync(path.join(env.TRIBUTARY_VAR, 'run', 'td-agent.pid'), 'utf8'));
    process.kill(pid, 'SIGUSR1');

    const td = (...args: string[]) =>
      execFileSync(process.execPath, [path.join(process.cwd(), 'dist/src/cli/td.js'), ...args], {
        encoding: 'utf8',
        env: { ...process.env, HOME: home },
      });
    const tables: string = await waitFor(() => {
      const out = td('tables');
      return /\| testdb\s+\| www_access \| log\s+\| 1\s+\|/.test(out) ? out : '';
    }, 'td tables to show the imported row');
    assert.match(tables, /action:string, user:long/);
    const q = td('query', '-w', '-d', 'testdb', 'SELECT action, user FROM www_access');
    assert.match(q, /\| login\s+\| 2\s+\|/);
  } finally {
    start.kill('SIGTERM');
    const code = await start.exited;
    fs.rmSync(tmp, { recursive: true, force: true });
    assert.equal(code, 0, start.all);
  }
});
