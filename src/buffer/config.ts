// The `<buffer>` section of a buffered output (spec core §4.2): declarations with Fluentd's
// defaults, and the resolution rules that depend on more than one value (flush_mode,
// flush_at_shutdown, queue_limit_length, timekey, chunk keys). Defaults that depend on the
// buffer type (memory vs file) come from BUFFER_TYPE_DEFAULTS; a plugin's `static
// bufferDefaults` are applied first, then the user's values win.

import { ConfigElement } from '../config/element.js';
import { type ConfigureContext, configureParams, p } from '../config/params.js';
import { ConfigError } from '../core/errors.js';
import { localZone, parseZone, type Zone } from '../core/strftime.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const bufferParams = {
  '@type': p.string({ default: 'memory', desc: 'Buffer plugin: memory or file.' }),
  timekey: p.time({ desc: 'Time slice of the `time` chunk key, in seconds.' }),
  timekey_wait: p.time({ default: 600, desc: 'Wait after a time slice ends before flushing it.' }),
  timekey_use_utc: p.bool({ default: false, desc: 'Cut time slices in UTC.' }),
  timekey_zone: p.string({
    desc: 'Zone of the time slices (`+0900` or `Asia/Tokyo`); default the local offset.',
  }),
  flush_mode: p.enum(['default', 'lazy', 'interval', 'immediate'] as const)({
    default: 'default',
    desc: 'When staged chunks are enqueued.',
  }),
  flush_interval: p.time({
    default: 60,
    desc: 'Enqueue staged chunks this long after their creation (interval mode).',
  }),
  flush_thread_count: p.integer({ default: 1, desc: 'Chunks written concurrently.' }),
  flush_thread_interval: p.float({ default: 1.0, desc: 'Idle poll interval of flushes.' }),
  flush_thread_burst_interval: p.float({ default: 1.0, desc: 'Pause between consecutive chunk flushes.' }),
  flush_at_shutdown: p.bool({
    desc: 'Flush everything at shutdown (default true for memory, false for file).',
  }),
  delayed_commit_timeout: p.time({ default: 60, desc: 'Timeout of delayed commits.' }),
  overflow_action: p.enum(['throw_exception', 'block', 'drop_oldest_chunk'] as const)({
    default: 'throw_exception',
    desc: 'What a write does when the buffer is full.',
  }),
  retry_type: p.enum(['exponential_backoff', 'periodic'] as const)({
    default: 'exponential_backoff',
    desc: 'Retry schedule.',
  }),
  retry_wait: p.time({ default: 1, desc: 'First retry wait.' }),
  retry_exponential_backoff_base: p.float({ default: 2, desc: 'Backoff base.' }),
  retry_max_interval: p.time({ desc: 'Cap of one retry wait.' }),
  retry_randomize: p.bool({ default: true, desc: 'Randomize retry waits by ±12.5 %.' }),
  retry_timeout: p.time({ default: 72 * 3600, desc: 'Give up (drop the queue) after this long.' }),
  retry_max_times: p.integer({ desc: 'Give up after this many retries.' }),
  retry_forever: p.bool({ default: false, desc: 'Never give up.' }),
  retry_secondary_threshold: p.float({
    default: 0.8,
    desc: 'Share of the retry time after which <secondary> is used.',
  }),
  chunk_limit_size: p.size({ desc: 'Max bytes per chunk (memory 8m, file 256m).' }),
  chunk_limit_records: p.integer({ desc: 'Max records per chunk.' }),
  total_limit_size: p.size({ desc: 'Max bytes of stage + queue (memory 512m, file 64g).' }),
  queue_limit_length: p.integer({ desc: 'v0.12 compat: total_limit_size = chunk_limit_size × this.' }),
  chunk_full_threshold: p.float({ default: 0.95, desc: 'A chunk this full is enqueued.' }),
  queued_chunks_limit_size: p.integer({
    desc: 'Max queued chunks for interval/timekey enqueues (default flush_thread_count).',
  }),
  compress: p.enum(['text', 'gzip'] as const)({
    default: 'text',
    desc: 'Store chunks gzipped (one gzip member per write); outputs still read plain bytes.',
  }),
  disable_chunk_backup: p.bool({
    default: false,
    desc: 'Discard unrecoverable chunks instead of backing them up.',
  }),
  path: p.string({ desc: 'File buffer path (directory, or prefix with `*`).' }),
  path_suffix: p.string({ default: '.log', desc: 'File buffer chunk suffix.' }),
  file_permission: p.string({ desc: 'Octal mode of chunk files.' }),
  dir_permission: p.string({ desc: 'Octal mode of created directories.' }),
} as const;

export const BUFFER_TYPE_DEFAULTS: Record<
  string,
  { chunkLimitSize: number; totalLimitSize: number; persistent: boolean }
> = {
  memory: { chunkLimitSize: 8 * MiB, totalLimitSize: 512 * MiB, persistent: false },
  file: { chunkLimitSize: 256 * MiB, totalLimitSize: 64 * GiB, persistent: true },
};

export interface BufferConfig {
  type: string;
  persistent: boolean;
  chunkKeys: string[];
  timeKey: boolean;
  tagKey: boolean;
  recordKeys: string[];
  timekey: number | undefined;
  timekeyWait: number;
  zone: Zone;
  flushMode: 'lazy' | 'interval' | 'immediate';
  flushInterval: number;
  flushThreadCount: number;
  flushThreadInterval: number;
  flushThreadBurstInterval: number;
  flushAtShutdown: boolean;
  overflowAction: 'throw_exception' | 'block' | 'drop_oldest_chunk';
  retry: {
    type: 'exponential_backoff' | 'periodic';
    wait: number;
    backoffBase: number;
    maxInterval: number | undefined;
    randomize: boolean;
    timeout: number;
    maxTimes: number | undefined;
    forever: boolean;
    secondaryThreshold: number;
  };
  chunkLimitSize: number;
  chunkLimitRecords: number | undefined;
  totalLimitSize: number;
  chunkFullThreshold: number;
  queuedChunksLimitSize: number;
  compress: 'text' | 'gzip';
  delayedCommitTimeout: number;
  disableChunkBackup: boolean;
  path: string | undefined;
  pathSuffix: string;
  filePermission: number | undefined;
  dirPermission: number | undefined;
  element: ConfigElement;
}

const KEY_CHARS = /^[-_.@$a-zA-Z0-9]+$/;

export function parseChunkKeys(arg: string): string[] {
  const keys = arg
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const k of keys) {
    if (!KEY_CHARS.test(k) || (k.startsWith('$') && !k.startsWith('$.')) || k.includes('[')) {
      throw new ConfigError(`chunk_keys specification includes invalid char`);
    }
  }
  return keys;
}

/**
 * Read the `<buffer>` of `outputEl` (already converted by compatBuffer). `defaults` are the
 * plugin's bufferDefaults; `defaultChunkKeys` applies when there is no `<buffer>` or its argument is empty.
 */
export function configureBuffer(
  outputEl: ConfigElement,
  defaults: Record<string, string | number | boolean>,
  defaultChunkKeys: string,
  cctx: ConfigureContext,
  flushIntervalOutside: boolean,
): BufferConfig {
  const given = outputEl.children('buffer')[0];
  const src = given ?? new ConfigElement('buffer', defaultChunkKeys, outputEl.pos);
  const el = src.clone();
  for (const [k, v] of Object.entries(defaults)) if (!el.has(k)) el.set(k, String(v));
  const c = configureParams(el, bufferParams, cctx, [outputEl.head()]);
  if (given) {
    given.consumed = true;
    for (const k of el.used) if (given.has(k)) given.used.add(k);
    given.known = el.known;
  }
  const fail = (m: string): never => {
    throw new ConfigError(m, { pos: src.pos, section: `${outputEl.head()} ${src.head()}` });
  };
  let chunkKeys: string[];
  try {
    // An empty `<buffer>` argument takes the plugin's default chunk keys (Fluentd's section
    // argument default); `<buffer []>` means no chunk keys.
    chunkKeys = parseChunkKeys(src.arg.trim() === '' ? defaultChunkKeys : src.arg);
  } catch (e) {
    return fail((e as ConfigError).detail);
  }
  const timeKey = chunkKeys.includes('time');
  const tagKey = chunkKeys.includes('tag');
  const recordKeys = chunkKeys.filter((k) => k !== 'time' && k !== 'tag');
  if (timeKey && c.timekey === undefined)
    fail(`<buffer ...> argument includes 'time', but timekey is not configured`);
  if (c.timekey !== undefined && c.timekey <= 0)
    fail(`timekey should be greater than 0. current timekey: ${c.timekey}`);
  if (recordKeys.length + (tagKey ? 1 : 0) >= 4)
    cctx.warn?.('many chunk keys specified, and it may cause too many chunks on your system.');

  const typeDefaults = BUFFER_TYPE_DEFAULTS[c['@type']];
  if (!typeDefaults) fail(`Unknown buffer plugin '${c['@type']}'. Known buffer plugins: file, memory`);

  let flushMode: BufferConfig['flushMode'];
  if (c.flush_mode === 'default') {
    flushMode = flushIntervalOutside ? 'interval' : timeKey ? 'lazy' : 'interval';
    if (flushMode !== 'interval' && src.has('flush_interval')) {
      cctx.warn?.(
        `'flush_interval' is ignored because default 'flush_mode' is not 'interval': '${flushMode}'`,
      );
    }
  } else {
    flushMode = c.flush_mode;
    if (flushMode !== 'interval' && src.has('flush_interval')) {
      fail(
        `'flush_interval' can't be specified when 'flush_mode' is not 'interval' explicitly: '${flushMode}'`,
      );
    }
  }
  const threshold = c.retry_secondary_threshold;
  if (threshold <= 0 || threshold >= 1)
    fail(`'retry_secondary_threshold' should be more than 0 and less than 1`);
  if (c.flush_thread_count < 1) fail(`'flush_thread_count' should be 1 or more`);

  const chunkLimitSize = c.chunk_limit_size ?? typeDefaults!.chunkLimitSize;
  let totalLimitSize = c.total_limit_size ?? typeDefaults!.totalLimitSize;
  if (c.queue_limit_length !== undefined) totalLimitSize = chunkLimitSize * c.queue_limit_length;
  if (totalLimitSize < chunkLimitSize)
    fail(`'total_limit_size' should be equal or greater than 'chunk_limit_size'`);
  const flushAtShutdown = c.flush_at_shutdown ?? !typeDefaults!.persistent;
  if (!flushAtShutdown && !typeDefaults!.persistent) {
    cctx.warn?.(
      'flush_at_shutdown is false with a non-persistent buffer: buffered data is lost at shutdown.',
    );
  }
  const zone = c.timekey_use_utc ? { fixed: 0 } : c.timekey_zone ? parseZone(c.timekey_zone) : localZone();
  const perm = (s: string | undefined, name: string): number | undefined => {
    if (s === undefined) return undefined;
    if (!/^0?[0-7]{3,4}$/.test(s)) fail(`'${name}' must be an octal mode like 0644`);
    return Number.parseInt(s, 8);
  };
  return {
    type: c['@type'],
    persistent: typeDefaults!.persistent,
    chunkKeys,
    timeKey,
    tagKey,
    recordKeys,
    timekey: c.timekey,
    timekeyWait: c.timekey_wait,
    zone,
    flushMode,
    flushInterval: c.flush_interval,
    flushThreadCount: c.flush_thread_count,
    flushThreadInterval: c.flush_thread_interval,
    flushThreadBurstInterval: c.flush_thread_burst_interval,
    flushAtShutdown,
    overflowAction: c.overflow_action,
    retry: {
      type: c.retry_type,
      wait: c.retry_wait,
      backoffBase: c.retry_exponential_backoff_base,
      maxInterval: c.retry_max_interval,
      randomize: c.retry_randomize,
      timeout: c.retry_timeout,
      maxTimes: c.retry_max_times,
      forever: c.retry_forever,
      secondaryThreshold: threshold,
    },
    chunkLimitSize,
    chunkLimitRecords: c.chunk_limit_records,
    totalLimitSize,
    chunkFullThreshold: c.chunk_full_threshold,
    queuedChunksLimitSize: c.queued_chunks_limit_size ?? c.flush_thread_count,
    compress: c.compress,
    delayedCommitTimeout: c.delayed_commit_timeout,
    disableChunkBackup: c.disable_chunk_backup,
    path: c.path,
    pathSuffix: c.path_suffix,
    filePermission: perm(c.file_permission, 'file_permission'),
    dirPermission: perm(c.dir_permission, 'dir_permission'),
    element: el,
  };
}
