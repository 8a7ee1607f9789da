// Child process of buffer-kill.test.ts (runs only with TRIB_KILL_CHILD=1, so the test runner
// loading this file does nothing): a file buffer → out_file pipeline fed by a counting input.
//
//   node buffer-kill-child.js <workdir> <firstSeq> run     emit forever; print `ack A B` once
//                                                          events A..B are durable
//   node buffer-kill-child.js <workdir> 0 drain            resume, flush everything, exit

import { parseConfig } from '../../src/config/parser.js';
import { EventStream } from '../../src/core/event-stream.js';
import { Logger, LogSink } from '../../src/core/log.js';
import { createPlugin } from '../../src/plugin/instantiate.js';
import { FileOutput } from '../../src/plugins/out_file.js';

async function main(): Promise<void> {
  const [dir, first, mode] = process.argv.slice(2) as [string, string, string];
  const conf = `<match **>
@type file
path ${dir}/out/events
<format>
@type json
</format>
<buffer>
@type file
path ${dir}/buffer
flush_mode interval
flush_interval 0
flush_thread_burst_interval 0
chunk_limit_records 50
</buffer>
</match>`;
  const sink = new LogSink(`${dir}/child.log`);
  const o = createPlugin(FileOutput, parseConfig(conf, 'kill.conf').elements[0]!, {
    log: new Logger({ sink }),
  });
  await o.start();
  if (mode === 'drain') {
    await o.flushAll();
    const s = o.stats()!;
    await o.shutdown();
    process.stdout.write(`done ${s.buffered_records} ${s.write_records}\n`);
    return;
  }
  process.stdout.write('ready\n');
  let seq = Number(first);
  for (;;) {
    const es = new EventStream();
    const a = seq;
    const sec = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 20; i++) es.add(sec, 0, { seq: seq++ });
    await o.emit('kill.test', es);
    process.stdout.write(`ack ${a} ${seq - 1}\n`);
    if (o.overHighWater()) await new Promise<void>((r) => o.onDrain(r));
  }
}

if (process.env.TRIB_KILL_CHILD === '1') {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  });
}
