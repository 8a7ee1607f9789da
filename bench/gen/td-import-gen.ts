// The store baseline for the tdlog scenarios: td-server fed directly, no collector in between.
// One gzipped msgpack import body (`perRequest` records, like one out_tdlog chunk) is encoded
// before "go", then PUT to import_with_id `concurrency` at a time, each with its own unique id,
// until `events` records were sent.

import { randomBytes } from 'node:crypto';
import { TdClient } from '../../src/td/client.js';
import { encodeImportBody } from '../../src/td/import-body.js';
import { record } from '../lib/records.js';
import { cpuSince, exitOnClose, fail, options, send, waitMessage } from './ipc.js';

interface Opts {
  endpoint: string;
  apikey: string;
  db: string;
  table: string;
  events: number;
  perRequest: number;
  concurrency: number;
}

async function main(): Promise<void> {
  const o = options<Opts>();
  const client = new TdClient({ apikey: o.apikey, endpoint: o.endpoint });
  const time = Math.floor(Date.now() / 1000);
  const body = (n: number) => encodeImportBody(Array.from({ length: n }, (_, i) => ({ time, ...record(i) })));
  const full = await body(o.perRequest);
  const rest = o.events % o.perRequest;
  const bodies: Buffer[] = Array(Math.floor(o.events / o.perRequest)).fill(full);
  if (rest) bodies.push(await body(rest));
  exitOnClose();
  send({ type: 'ready', requests: bodies.length, bodyBytes: full.length });

  await waitMessage('go');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const b = bodies[next++]!;
      await client.import(o.db, o.table, b, { uniqueId: randomBytes(16).toString('hex') });
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  send({ type: 'done', cpuSeconds: cpuSince(cpu0), wallSeconds: (performance.now() - t0) / 1000 });
}

main().catch(fail);
