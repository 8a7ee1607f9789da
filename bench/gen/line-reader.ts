// The tail baseline: read the same file with a plain stream, decode it and split it into
// lines (strings), counting them: what "reading a log file" costs in Node without a collector.

import * as fs from 'node:fs';
import { cpuSince, exitOnClose, fail, options, send, waitMessage } from './ipc.js';

interface Opts {
  file: string;
}

async function main(): Promise<void> {
  const o = options<Opts>();
  exitOnClose();
  send({ type: 'ready' });
  await waitMessage('go');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let lines = 0;
  let carry = '';
  let lastReport = t0;
  const stream = fs.createReadStream(o.file, { highWaterMark: 1 << 20, encoding: 'utf8' });
  for await (const chunk of stream as AsyncIterable<string>) {
    const parts = (carry + chunk).split('\n');
    carry = parts.pop()!;
    for (const l of parts) if (l.length) lines++;
    const now = performance.now();
    if (now - lastReport > 50) {
      send({ type: 'count', n: lines });
      lastReport = now;
    }
  }
  if (carry.length) lines++;
  send({ type: 'count', n: lines });
  send({ type: 'done', cpuSeconds: cpuSince(cpu0), wallSeconds: (performance.now() - t0) / 1000, lines });
}

main().catch(fail);
