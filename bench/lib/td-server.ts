// A td-server process for the tdlog scenarios: one per scenario (shared by its runs), data in
// the scenario's temp dir, the administrator key read from <data>/admin.apikey.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { TdClient } from '../../src/td/client.js';
import { Child, waitFor } from './proc.js';
import { freePort } from './template.js';

export interface TdServer {
  endpoint: string;
  apikey: string;
  client: TdClient;
  child: Child;
  stop(): Promise<void>;
}

export const TD_DB = 'bench';

export async function startTdServer(dir: string): Promise<TdServer> {
  const data = path.join(dir, 'td-server');
  const port = await freePort();
  const child = Child.node(
    'src/cli/td-server.js',
    ['--port', String(port), '--data', data, '--log-level', 'warn'],
    { log: path.join(dir, 'td-server.log') },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const keyFile = path.join(data, 'admin.apikey');
  try {
    await waitFor(async () => {
      if (child.exitCode !== undefined) throw new Error(`td-server exited\n${child.output}`);
      if (!fs.existsSync(keyFile)) return false;
      return fetch(`${endpoint}/v3/system/server_status`).then(
        (r) => r.ok,
        () => false,
      );
    }, 'td-server to answer server_status');
  } catch (e) {
    await child.stop();
    throw e;
  }
  const apikey = fs.readFileSync(keyFile, 'utf8').trim();
  const client = new TdClient({ apikey, endpoint });
  await client.createDatabase(TD_DB);
  return {
    endpoint,
    apikey,
    client,
    child,
    async stop() {
      client.close();
      await child.stop(30_000);
    },
  };
}
