// `npm start`: the whole system on one machine.
//
//   1. td-server  --port 8080 --data ./var/td-server      (logs: ./var/log/td-server.log)
//   2. td-agent   -c etc/td-agent.conf                    (logs: ./var/log/td-agent.log,
//                                                           pid:  ./var/run/td-agent.pid)
//      with TD_API_KEY / TD_ENDPOINT set to the local server's administrator key and URL
//   3. ~/.td/td.conf pointing at the local server, unless it exists and points elsewhere
//      (then we print the exact `npx td -e ... -k ...` to use instead)
//
// Ctrl-C / SIGTERM stops the agent first (it flushes), then the server.

import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfigPath, TdConfigFile } from './td/config.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** Everything `npm start` writes lives here (TRIBUTARY_VAR overrides, e.g. in tests). */
const varDir = path.resolve(process.env.TRIBUTARY_VAR ?? path.join(root, 'var'));
const v = (...p: string[]) => path.join(varDir, ...p);
const SERVER_PORT = Number(process.env.TD_SERVER_PORT ?? 8080);
const endpoint = `http://127.0.0.1:${SERVER_PORT}`;
const conf = process.env.TD_AGENT_CONF ?? path.join(root, 'etc/td-agent.conf');
for (const d of ['run', 'log', 'buffer', 'td-server']) fs.mkdirSync(v(d), { recursive: true });

function start(name: string, script: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const log = fs.openSync(v('log', `${name}.log`), 'a');
  const child = spawn(process.execPath, [path.join(root, 'dist/src/cli', script), ...args], {
    stdio: ['ignore', log, log],
    env: { ...process.env, ...env },
  });
  child.on('exit', (code, sig) => {
    if (!stopping) {
      console.error(
        `${name} exited (${code ?? sig}); see ${path.relative(process.cwd(), v('log', `${name}.log`))}`,
      );
      shutdown(1);
    }
  });
  return child;
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function serverUp(): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/v3/system/server_status`);
    return res.ok;
  } catch {
    return false;
  }
}

/** Point the td CLI at the local server, never overwriting a config that points elsewhere. */
function configureTdCli(apikey: string): string {
  const file = defaultConfigPath(process.env);
  if (fs.existsSync(file)) {
    const existing = TdConfigFile.readOrEmpty(file);
    const ep = existing.get('account.endpoint');
    if (ep === endpoint && existing.get('account.apikey') === apikey)
      return `  td tables                    (${file} points here)`;
    return `  npx td -e ${endpoint} -k ${apikey} tables    (${file} points elsewhere; left unchanged)`;
  }
  const c = new TdConfigFile();
  c.set('account.user', 'admin@localhost');
  c.set('account.apikey', apikey);
  c.set('account.endpoint', endpoint);
  c.save(file);
  return `  npx td tables                (wrote ${file})`;
}

let stopping = false;
let server: ChildProcess | undefined;
let agent: ChildProcess | undefined;

async function shutdown(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  const stop = (c: ChildProcess | undefined) =>
    new Promise<void>((res) => {
      if (!c || c.exitCode !== null || c.signalCode !== null) return res();
      c.once('exit', () => res());
      c.kill('SIGTERM');
    });
  await stop(agent);
  fs.rmSync(v('run', 'td-agent.pid'), { force: true });
  await stop(server);
  process.exit(code);
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  if (await serverUp())
    throw new Error(`port ${SERVER_PORT} is already serving; stop that server or set TD_SERVER_PORT`);
  server = start('td-server', 'td-server.js', ['--port', String(SERVER_PORT), '--data', v('td-server')]);
  await waitFor(serverUp, `td-server on ${endpoint}`);
  const apikey = fs.readFileSync(v('td-server', 'admin.apikey'), 'utf8').trim();
  agent = start('td-agent', 'td-agent.js', ['-c', conf], {
    TD_API_KEY: apikey,
    TD_ENDPOINT: endpoint,
    TRIBUTARY_VAR: v(),
  });
  fs.writeFileSync(v('run', 'td-agent.pid'), `${agent.pid}\n`);
  const agentLog = v('log', 'td-agent.log');
  const size0 = fs.statSync(agentLog).size;
  await waitFor(() => {
    const fd = fs.openSync(agentLog, 'r');
    const buf = Buffer.alloc(Math.max(0, fs.fstatSync(fd).size - size0));
    fs.readSync(fd, buf, 0, buf.length, size0);
    fs.closeSync(fd);
    return /fluentd worker is now running/.test(buf.toString());
  }, 'td-agent to start');
  const tdHint = configureTdCli(apikey);
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  console.log(`Tributary is running.
  td-server  ${endpoint}   data ${rel(v('td-server'))}   log ${rel(v('log', 'td-server.log'))}
  td-agent   pid ${agent.pid} (${rel(v('run', 'td-agent.pid'))})   config ${rel(conf)}   log ${rel(agentLog)}

Try:
  curl -X POST -d 'json={"action":"login","user":2}' http://localhost:8888/td.testdb.www_access
  kill -USR1 $(cat ${rel(v('run', 'td-agent.pid'))})      # flush now instead of waiting for flush_interval
${tdHint}

Ctrl-C stops both.`);
}

main().catch((e) => {
  console.error(`npm start: ${(e as Error).message}`);
  void shutdown(1);
});
