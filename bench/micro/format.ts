// Formatter micro-benchmark: out_file's default line format and `@type json` over the bench
// records (bench/lib/records.ts) as in_forward hands them over — a lazy EventStream over
// PackedForward entry bytes — in batches of 1,000. Three ways per format:
//   decode+format   the stream decodes its records, then formatBatch (the path before the transcoder)
//   format only     formatBatch on records decoded beforehand (rubyJson alone)
//   packed          formatStream on the lazy stream (msgpack → JSON transcoder)
// CPU µs per record (user+sys: steadier than wall time on a shared machine).
// Run: node dist/bench/micro/format.js [RECORDS]   (default 100,000)

import { EventStream } from '../../src/core/event-stream.js';
import { EventTime } from '../../src/core/event-time.js';
import { decodeMultiple, encode } from '../../src/core/msgpack.js';
import { formatBatch, formatStream, makeFormatter } from '../../src/plugin/formatter.js';
import { record } from '../lib/records.js';

const N = Number(process.argv[2] ?? 100_000);
const BATCH = 1000;
const TAG = 'bench.forward';

interface Batch {
  packed: Buffer;
  secs: number[];
  nsecs: number[];
  records: Record<string, unknown>[];
}

const batches: Batch[] = [];
for (let b = 0; b < N / BATCH; b++) {
  const secs: number[] = [];
  const nsecs: number[] = [];
  const parts: Buffer[] = [];
  for (let i = 0; i < BATCH; i++) {
    const sec = 1764291723 + Math.floor((b * BATCH + i) / 20000);
    secs.push(sec);
    nsecs.push(i * 1000);
    parts.push(encode([new EventTime(sec, i * 1000), record(b * BATCH + i)]));
  }
  const packed = Buffer.concat(parts);
  const records = decodeMultiple(packed).map((e) => (e as [unknown, Record<string, unknown>])[1]);
  batches.push({ packed, secs, nsecs, records });
}

function time(run: () => number): { perRec: number; bytes: number } {
  run(); // warm up
  run();
  const c0 = process.cpuUsage();
  let bytes = 0;
  const reps = 3;
  for (let r = 0; r < reps; r++) bytes = run();
  const c = process.cpuUsage(c0);
  return { perRec: (c.user + c.system) / (N * reps), bytes };
}

console.log(`format micro-benchmark, ${N.toLocaleString('en-US')} records in batches of ${BATCH}`);
console.log('format    way          cpu µs/record   records/s    bytes');
for (const conf of [undefined, { '@type': 'json' }]) {
  const name = conf ? 'json' : 'out_file';
  const f = makeFormatter(conf as never);
  const ways: [string, () => number][] = [
    [
      'decode+format',
      () => {
        let n = 0;
        for (const b of batches) {
          const es = EventStream.fromPacked(b.packed, BATCH, b.secs, b.nsecs);
          n += formatBatch(f, undefined, TAG, es.secs, es.nsecs, es.records).length;
        }
        return n;
      },
    ],
    [
      'format only',
      () => {
        let n = 0;
        for (const b of batches) n += formatBatch(f, undefined, TAG, b.secs, b.nsecs, b.records).length;
        return n;
      },
    ],
    [
      'packed',
      () => {
        let n = 0;
        for (const b of batches) {
          n += formatStream(
            f,
            undefined,
            TAG,
            EventStream.fromPacked(b.packed, BATCH, b.secs, b.nsecs),
          ).length;
        }
        return n;
      },
    ],
  ];
  for (const [way, run] of ways) {
    const { perRec, bytes } = time(run);
    console.log(
      `${name.padEnd(9)} ${way.padEnd(15)} ${perRec.toFixed(3).padStart(10)} ${Math.round(1e6 / perRec)
        .toLocaleString('en-US')
        .padStart(11)}  ${bytes}`,
    );
  }
}
