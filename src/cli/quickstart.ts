// `npm start`: the whole system on one machine. For now: td-agent with etc/td-agent.conf,
// logs to the terminal, pid in ./var/run/td-agent.pid. (td-server joins with the store issue.)

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const conf = path.join(root, 'etc/td-agent.conf');
const runDir = path.join(root, 'var/run');
fs.mkdirSync(runDir, { recursive: true });

const agent = spawn(process.execPath, [path.join(root, 'dist/src/cli/td-agent.js'), '-c', conf], {
  stdio: 'inherit',
});
fs.writeFileSync(path.join(runDir, 'td-agent.pid'), `${agent.pid}\n`);
console.log(`td-agent started (pid ${agent.pid}, config ${path.relative(root, conf)}).`);
console.log(`  flush buffers:  kill -USR1 ${agent.pid}`);
console.log(`  reload config:  kill -HUP ${agent.pid}`);
console.log('  stop:           Ctrl-C');
const forward = (sig: NodeJS.Signals) => process.on(sig, () => agent.kill(sig));
forward('SIGINT');
forward('SIGTERM');
agent.on('exit', (code) => {
  fs.rmSync(path.join(runDir, 'td-agent.pid'), { force: true });
  process.exit(code ?? 0);
});
