// A child process running in_forward under the input test driver, for fault tests that measure
// the server's own memory. Prints {"port":N} once listening; every line on stdin is answered
// with one JSON line: {rss, heapUsed, external, arrayBuffers, events, stats}.
// argv[2]: extra config lines (\n-separated).

import * as readline from 'node:readline';
import { ForwardInput } from '../../src/plugins/in_forward/index.js';
import { InputTestDriver } from '../../src/test-driver/index.js';

const extra = process.argv[2] ?? '';
const d = new InputTestDriver(ForwardInput, `port 0\nbind 127.0.0.1\n${extra}`, { logLevel: 'warn' });
let events = 0;
const orig = d.emitter.emitStream.bind(d.emitter);
// Count without keeping the events (the capture store would grow with every event).
d.emitter.emitStream = (_tag, es) => {
  events += es.length;
  return true;
};
d.emitter.emitStreamDurable = async (_tag, es) => {
  events += es.length;
};
void orig;
await d.start();
process.stdout.write(`${JSON.stringify({ port: d.instance.boundPort })}\n`);
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', () => {
  const m = process.memoryUsage();
  const logs = d.logs().length;
  process.stdout.write(
    `${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, events, logs, stats: d.instance.stats })}\n`,
  );
});
rl.on('close', () => {
  void d.shutdown().then(() => process.exit(0));
});
