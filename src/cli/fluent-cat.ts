// fluent-cat: send records from stdin to a forward port, with Fluentd's options.
//
//   fluent-cat [options] <tag>
//     -p, --port PORT          (24224)            -h, --host HOST         (127.0.0.1)
//     -u, --unix               use the unix socket -s, --socket PATH       ($FLUENT_SOCKET or /var/run/fluent/fluent.sock)
//     -f, --format FORMAT      json | msgpack | none  (--json, --msgpack, --none)
//     --message-key KEY        key for `none` lines (message)
//     --time-as-integer        integer seconds instead of EventTime
//     --retry-limit N          connection attempts before giving up (5)
//     --event-time TIME        use this time for every record (parsed like Ruby's Time.parse)
//     --ack                    (Tributary) wait for the server's ack of every batch
//
// Input: json = one JSON object per line; msgpack = a stream of maps (or Fluentd secondary
// records `[EventTime, map]`, whose time is ignored as Fluentd does); none = each line as
// {message_key: line}. A non-map input is an error (exit 1), as in Fluentd. Records that cannot
// be delivered after --retry-limit failed connections are printed as `!<time>:<json>` on stdout
// (Fluentd's abort format) and the exit status is 1.

import * as readline from 'node:readline';
import { Command, InvalidArgumentError } from 'commander';
import { EventTime } from '../core/event-time.js';
import { decode } from '../core/msgpack.js';
import { parseLenient } from '../helpers/time-parser-lenient.js';
import { LOCAL_ZONE } from '../helpers/time-parser-zone.js';
import { type DropInfo, FluentLogger } from '../logger/index.js';
import { MsgpackScanner } from '../plugins/in_forward/msgpack-scanner.js';
import { VERSION } from './version.js';

const DEFAULT_SOCKET = process.env.FLUENT_SOCKET ?? '/var/run/fluent/fluent.sock';

function int(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`invalid argument: ${v}`);
  return Number(v);
}

function rubyClass(v: unknown): string {
  if (Array.isArray(v)) return 'Array';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Float';
  if (v === null) return 'NilClass';
  if (v === true) return 'TrueClass';
  if (v === false) return 'FalseClass';
  return 'Object';
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** A map, or Fluentd's secondary-file record [EventTime, map] (its time is ignored). */
function toRecord(v: unknown): Record<string, unknown> {
  if (Array.isArray(v) && v.length === 2 && v[0] instanceof EventTime && isMap(v[1])) return v[1];
  if (!isMap(v)) throw new Error(`Input must be a map (got ${rubyClass(v)})`);
  return v;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('fluent-cat')
    .usage('[options] <tag>')
    .version(VERSION)
    .helpOption('--help', 'show this help')
    // The descriptions carry Fluentd's own "(default: ...)" wording; commander's is not added.
    .configureHelp({ optionDescription: (o) => o.description })
    .argument('<tag>', 'tag of the records')
    .option('-p, --port <port>', 'fluent tcp port (default: 24224)', int, 24224)
    .option('-h, --host <host>', 'fluent host (default: 127.0.0.1)', '127.0.0.1')
    .option('-u, --unix', 'use unix socket instead of tcp', false)
    .option('-s, --socket <path>', `unix socket path (default: ${DEFAULT_SOCKET})`, DEFAULT_SOCKET)
    .option('-f, --format <format>', 'input format (default: json)', 'json')
    .option('--json', 'same as: -f json')
    .option('--msgpack', 'same as: -f msgpack')
    .option('--none', 'same as: -f none')
    .option('--message-key <key>', 'key field for none format (default: message)', 'message')
    .option('--time-as-integer', 'Send time as integer for v0.12 or earlier', false)
    .option('--retry-limit <n>', 'Specify the number of retry limit (default: 5)', int, 5)
    .option('--event-time <time>', 'Specify the time expression string (default: nil)')
    .option('--ack', 'wait for the server to acknowledge every batch (require_ack_response)', false)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode ?? 1;
    return code === 0 ? 0 : 1;
  }
  const opts = program.opts();
  const tag = program.args[0]!;
  let format: string = opts.format;
  // The last of --json/--msgpack/--none wins, as with OptionParser; order is lost here, so the
  // explicit flags are checked in a fixed order.
  if (opts.json) format = 'json';
  if (opts.msgpack) format = 'msgpack';
  if (opts.none) format = 'none';
  if (!['json', 'msgpack', 'none'].includes(format)) {
    process.stderr.write(`Unknown format '${format}'\n`);
    return 1;
  }
  let time: EventTime | undefined;
  if (opts.eventTime !== undefined) {
    try {
      const [sec, nsec] = parseLenient(opts.eventTime, LOCAL_ZONE);
      time = new EventTime(sec, nsec);
    } catch (e) {
      process.stderr.write(`invalid --event-time '${opts.eventTime}': ${(e as Error).message}\n`);
      return 1;
    }
  }
  let aborted = 0;
  const onDrop = (info: DropInfo) => {
    for (const bytes of info.entries) {
      const [t, rec] = decode(bytes) as [EventTime | number, unknown];
      const sec = t instanceof EventTime ? t.sec : t;
      process.stdout.write(`!${sec}:${JSON.stringify(rec)}\n`);
      aborted++;
    }
  };
  const logger = new FluentLogger({
    ...(opts.unix
      ? { path: opts.socket as string }
      : { host: opts.host as string, port: opts.port as number }),
    requireAck: opts.ack as boolean,
    timeAsInteger: opts.timeAsInteger as boolean,
    maxRetries: opts.retryLimit as number,
    reconnectInitialMs: 1000,
    reconnectMaxMs: 1000, // Fluentd's fluent-cat waits 1 s between attempts
    closeTimeoutMs: 2 ** 31 - 1, // until sent or the retry limit drops it
    maxQueueBytes: 64 * 1024 * 1024,
    flushOnExit: false,
    onDrop,
    onError: (e) => process.stderr.write(`connect failed: ${e.message}\n`),
  });
  const emit = (v: unknown) => {
    logger.emit(tag, toRecord(v), time);
  };
  try {
    if (format === 'msgpack') await readMsgpack(emit);
    else {
      const rl = readline.createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of rl) {
        if (format === 'none') emit({ [opts.messageKey as string]: line });
        else {
          if (line.trim() === '') continue;
          emit(JSON.parse(line));
        }
        if (logger.stats.queuedBytes > 32 * 1024 * 1024) await logger.flush();
      }
    }
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    await logger.close();
    return 1;
  }
  await logger.close();
  return aborted > 0 ? 1 : 0;
}

async function readMsgpack(emit: (v: unknown) => void): Promise<void> {
  const sc = new MsgpackScanner();
  let buf: Buffer = Buffer.alloc(0);
  for await (const chunk of process.stdin) {
    buf = buf.length ? Buffer.concat([buf, chunk as Buffer]) : (chunk as Buffer);
    let p = 0;
    for (;;) {
      const n = sc.scan(buf, p, buf.length);
      if (n < 0) break;
      emit(decode(buf.subarray(p, p + n)));
      p += n;
    }
    buf = buf.subarray(p);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`fluent-cat: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
