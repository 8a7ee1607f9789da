// A child process running in_forward alone (no test driver, no other plugins), for fault tests
// and measurements of the server's own memory. Prints {"port":N} once listening; every line
// on stdin is answered with one JSON line: {rss, heapUsed, external, arrayBuffers, events,
// logs, stats}. argv[2]: extra config lines (\n-separated). Events are counted, not kept.

import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { parseConfig } from '../../src/config/parser.js';
import type { EventStream } from '../../src/core/event-stream.js';
import { Logger, LogSink } from '../../src/core/log.js';
import { createPlugin } from '../../src/plugin/instantiate.js';
import { ForwardInput } from '../../src/plugins/in_forward/index.js';

const extra = process.argv[2] ?? '';
const port = process.argv[3] ?? '0';
const idsFd = process.argv[4] ? fs.openSync(process.argv[4], 'a') : undefined;
let events = 0;

function record(es: EventStream): void {
  events += es.length;
  if (idsFd === undefined) return;
  let text = '';
  for (const r of es.records) text += `${String(r.i)}\n`;
  fs.writeSync(idsFd, text);
  fs.fsyncSync(idsFd);
}
const sink = new LogSink();
sink.captured = [];
const emitter = {
  emitStream(_tag: string, es: EventStream): boolean {
    record(es);
    return true;
  },
  async emitStreamDurable(_tag: string, es: EventStream): Promise<void> {
    record(es);
  },
  onDrain(cb: () => void): void {
    setImmediate(cb);
  },
  overHighWater(): boolean {
    return false;
  },
};
const root = parseConfig(
  `<source>\n@type forward\nport ${port}\nbind 127.0.0.1\n${extra}\n</source>`,
  'child.conf',
);
const input = createPlugin(ForwardInput, root.elements[0]!, {
  log: new Logger({ sink, level: 'warn' }),
  emitter,
});
await input.start();
process.stdout.write(`${JSON.stringify({ port: input.boundPort })}\n`);
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', () => {
  const m = process.memoryUsage();
  const logs = sink.captured!.length;
  process.stdout.write(
    `${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, events, logs, stats: input.stats })}\n`,
  );
});
rl.on('close', () => {
  void Promise.resolve(input.stop())
    .then(() => input.shutdown())
    .then(() => process.exit(0));
});
