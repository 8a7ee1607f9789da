// Forward-protocol load generator: one TCP connection sending PackedForward messages that
// were encoded before "go", so the timed loop only calls socket.write():
//
//   [tag, bin(entry × batch), {"size": batch}]      entry = [EventTime (ext 0), record]
//
// Writes wait on 'drain' (TCP backpressure); nothing is sent faster than the peer reads.

import * as net from 'node:net';
import { EventTime } from '../../src/core/event-time.js';
import { encode } from '../../src/core/msgpack.js';
import { record } from '../lib/records.js';
import { cpuSince, exitOnClose, fail, options, send, waitMessage } from './ipc.js';

interface Opts {
  port: number;
  host?: string;
  tag: string;
  events: number;
  batch: number;
}

function packedForward(tag: string, n: number, time: EventTime): Buffer {
  const entries = Buffer.concat(Array.from({ length: n }, (_, i) => encode([time, record(i)])));
  return encode([tag, entries, { size: n }]);
}

async function main(): Promise<void> {
  const o = options<Opts>();
  const time = EventTime.now();
  const full = packedForward(o.tag, o.batch, time);
  const rest = o.events % o.batch;
  const tail = rest ? packedForward(o.tag, rest, time) : undefined;
  const fullCount = Math.floor(o.events / o.batch);
  const totalBytes = full.length * fullCount + (tail?.length ?? 0);

  const sock = net.connect({ port: o.port, host: o.host ?? '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  sock.setNoDelay(true);
  sock.on('error', fail);
  sock.on('data', () => {}); // acks or heartbeats, if any, are ignored
  exitOnClose(() => sock.destroy());
  send({ type: 'ready', totalBytes, batchBytes: full.length });

  await waitMessage('go');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < fullCount; i++) {
    if (!sock.write(full)) await new Promise((r) => sock.once('drain', r));
  }
  await new Promise<void>((resolve, reject) =>
    sock.write(tail ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve())),
  );
  send({
    type: 'done',
    cpuSeconds: cpuSince(cpu0),
    wallSeconds: (performance.now() - t0) / 1000,
    bytes: totalBytes,
  });
}

main().catch(fail);
