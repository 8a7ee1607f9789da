// v0.12-style flat parameters still accepted in v1 files (spec core §1.7). When a plugin
// has no <buffer>/<parse>/<format>/<inject> section, its flat parameters are converted into
// one, exactly as Fluentd's compat helper does. The flat keys are marked used.
//
//   <match td.*.*>                      <match td.*.*>
//     type tdlog                          @type tdlog
//     buffer_type file          ==>       <buffer>
//     buffer_path /var/.../td               @type file
//   </match>                                path /var/.../td
//                                         </buffer>
//                                       </match>

import { ConfigError } from '../core/errors.js';
import { ConfigElement } from './element.js';

type Note = (level: 'info' | 'warn', message: string) => void;

const BUFFER_PARAMS: Record<string, string> = {
  buffer_type: '@type',
  buffer_path: 'path',
  num_threads: 'flush_thread_count',
  flush_interval: 'flush_interval',
  try_flush_interval: 'flush_thread_interval',
  queued_chunk_flush_interval: 'flush_thread_burst_interval',
  disable_retry_limit: 'retry_forever',
  retry_limit: 'retry_max_times',
  max_retry_wait: 'retry_max_interval',
  buffer_chunk_limit: 'chunk_limit_size',
  buffer_queue_limit: 'queue_limit_length',
  buffer_queue_full_action: 'overflow_action',
  flush_at_shutdown: 'flush_at_shutdown',
  retry_wait: 'retry_wait',
};

const TIME_SLICE_UNITS: [string, number][] = [
  ['%S', 1],
  ['%M', 60],
  ['%H', 3600],
  ['%d', 86400],
];

/** Take a flat parameter: mark it used and return its value. */
function take(el: ConfigElement, key: string): string | null | undefined {
  return el.has(key) ? el.get(key) : undefined;
}

/** Convert flat buffer parameters into a `<buffer>` section (buffered outputs). */
export function compatBuffer(el: ConfigElement, note: Note, defaultChunkKeys = ''): void {
  if (el.children('buffer').length > 0) return;
  const keys = Object.keys(BUFFER_PARAMS).filter((k) => el.has(k));
  const sliced = ['time_slice_format', 'time_slice_wait', 'timezone', 'localtime', 'utc'].filter((k) =>
    el.has(k),
  );
  if (keys.length === 0 && !el.has('time_slice_format')) return;
  const sliceFormat = el.has('time_slice_format') ? el.params.get('time_slice_format')!.value : null;
  const chunkKeys = sliceFormat ? [defaultChunkKeys, 'time'].filter(Boolean).join(',') : defaultChunkKeys;
  const buf = new ConfigElement('buffer', chunkKeys, el.pos);
  for (const k of keys) {
    const pos = el.params.get(k)!.pos;
    let v = take(el, k) ?? null;
    if (k === 'buffer_queue_full_action' && v === 'exception') v = 'throw_exception';
    buf.set(BUFFER_PARAMS[k]!, v, pos);
  }
  if (el.has('flush_interval')) {
    buf.set('flush_mode', 'interval');
    note(
      'info',
      "'flush_interval' is configured at out side of <buffer>. 'flush_mode' is set to 'interval' to keep existing behaviour",
    );
  }
  if (sliced.length > 0) {
    const fmt = take(el, 'time_slice_format');
    if (fmt) {
      const unit = TIME_SLICE_UNITS.find(([f]) => fmt.includes(f));
      if (!unit) {
        throw new ConfigError(`time_slice_format only with %Y or %m is too long: ${fmt}`, {
          pos: el.params.get('time_slice_format')!.pos,
        });
      }
      buf.set('timekey', String(unit[1]));
    }
    const wait = take(el, 'time_slice_wait');
    if (wait != null) buf.set('timekey_wait', wait);
    const tz = take(el, 'timezone');
    if (tz != null) buf.set('timekey_zone', tz);
    if (el.has('utc')) {
      take(el, 'utc');
      buf.set('timekey_use_utc', 'true');
    } else if (el.has('localtime')) {
      const lt = take(el, 'localtime');
      buf.set('timekey_use_utc', lt === 'false' || lt === 'no' ? 'true' : 'false');
    }
  }
  el.elements.push(buf);
}

const PARSE_PARAMS = [
  'types',
  'types_delimiter',
  'types_label_delimiter',
  'time_key',
  'time_format',
  'keep_time_key',
  'null_empty_string',
  'null_value_pattern',
  'keys',
  'delimiter',
  'json_parser',
  'message_key',
  'format_firstline',
  'with_priority',
  'estimate_current_event',
  'time_type',
  'localtime',
  'utc',
  'timezone',
  'label_delimiter',
  'multiline_flush_interval',
];

/** Convert flat `format` + parser parameters into a `<parse>` section. */
export function compatParse(el: ConfigElement): void {
  if (el.children('parse').length > 0 || !el.has('format')) return;
  const parse = new ConfigElement('parse', '', el.params.get('format')!.pos);
  const fmt = take(el, 'format') ?? '';
  if (fmt.length >= 2 && fmt.startsWith('/') && fmt.endsWith('/')) {
    parse.set('@type', 'regexp');
    parse.set('expression', fmt);
  } else parse.set('@type', fmt);
  for (const k of PARSE_PARAMS) if (el.has(k)) parse.set(k, take(el, k) ?? null, el.params.get(k)!.pos);
  for (const [k] of el.params) {
    if (/^format\d+$/.test(k)) parse.set(k, take(el, k) ?? null, el.params.get(k)!.pos);
  }
  el.elements.push(parse);
}

const FORMAT_PARAMS = [
  'delimiter',
  'force_quotes',
  'keys',
  'fields',
  'add_newline',
  'output_time',
  'output_tag',
  'label_delimiter',
  'message_key',
  'time_type',
  'time_format',
];

/** Convert flat `format` + formatter parameters into a `<format>` section. */
export function compatFormat(el: ConfigElement): void {
  if (el.children('format').length > 0 || !el.has('format')) return;
  const f = new ConfigElement('format', '', el.params.get('format')!.pos);
  f.set('@type', take(el, 'format') ?? null);
  for (const k of FORMAT_PARAMS) if (el.has(k)) f.set(k, take(el, k) ?? null, el.params.get(k)!.pos);
  el.elements.push(f);
}

/** Convert include_time_key / include_tag_key / time_as_epoch into an `<inject>` section. */
export function compatInject(el: ConfigElement): void {
  if (el.children('inject').length > 0) return;
  const flags = ['include_time_key', 'include_tag_key', 'time_as_epoch'].filter((k) => el.has(k));
  if (flags.length === 0) return;
  const inj = new ConfigElement('inject', '', el.pos);
  const on = (k: string) => {
    const v = take(el, k);
    return v === '' || v === 'true' || v === 'yes';
  };
  if (el.has('include_time_key') && on('include_time_key')) {
    inj.set('time_key', take(el, 'time_key') ?? 'time');
    inj.set('time_type', 'string');
    for (const k of ['time_format', 'localtime', 'utc', 'timezone'])
      if (el.has(k)) inj.set(k, take(el, k) ?? null);
  }
  if (el.has('time_as_epoch') && on('time_as_epoch')) inj.set('time_type', 'unixtime');
  if (el.has('include_tag_key') && on('include_tag_key')) inj.set('tag_key', take(el, 'tag_key') ?? 'tag');
  el.elements.push(inj);
}
