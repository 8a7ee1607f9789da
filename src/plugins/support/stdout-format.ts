// The `<format>` of out_stdout and filter_stdout, until the formatter plugins exist.
//
// Line layout of the default `@type stdout` (Fluentd's formatter_stdout):
//
//   2017-11-28 11:43:13.814351757 +0900 app.log: {"k":"v"}
//   └ event time, local, %Y-%m-%d %H:%M:%S.%N %z ┘ └tag┘  └ output_type formatter ┘
//
// `output_type` (default json) picks the formatter for the record part; `time_format` replaces
// the time layout. `<format> @type json|hash|ltsv|single_value` writes that formatter's line
// alone (no time, no tag). Lines are returned without the trailing newline.
//
// v0.12 flat parameters (`output_type`, `format`, `message_key`, ...) on the plugin element are
// moved into a `<format>` section first, like Fluentd's compat helper.

import { ConfigElement } from '../../config/element.js';
import { p, type SectionConfig } from '../../config/params.js';
import { ConfigError } from '../../core/errors.js';
import type { Rec } from '../../core/event-stream.js';
import { formatOffset, strftime } from '../../core/strftime.js';
import { rubyInspect, rubyJson, rubyToS } from './ruby-text.js';

export type LineFormatter = (tag: string, sec: number, nsec: number, record: Rec) => string;

export const RECORD_FORMATS = ['json', 'hash', 'ltsv', 'single_value'] as const;

export const formatParams = {
  '@type': p.string({ default: 'stdout', desc: `Formatter: stdout, or ${RECORD_FORMATS.join(', ')}.` }),
  output_type: p.string({
    default: 'json',
    desc: `Formatter for the record after "<time> <tag>: " (@type stdout): ${RECORD_FORMATS.join(', ')}.`,
  }),
  time_format: p.string({
    desc: 'strftime layout of the time (@type stdout). Default %Y-%m-%d %H:%M:%S.%N %z.',
  }),
  message_key: p.string({ default: 'message', desc: 'Field written by single_value.' }),
  add_newline: p.bool({ default: true, desc: 'Accepted for compatibility; each event is one line.' }),
  delimiter: p.string({ default: '\t', desc: 'Field delimiter of ltsv.' }),
  label_delimiter: p.string({ default: ':', desc: 'Label delimiter of ltsv.' }),
  replacement: p.string({ default: ' ', desc: 'Replaces the delimiter inside ltsv values.' }),
  json_parser: p.string({ default: 'oj', desc: 'Accepted for compatibility (oj, json, yajl).' }),
  newline: p.enum(['lf', 'crlf'] as const)({ default: 'lf', desc: 'Accepted for compatibility.' }),
} as const;

export type FormatConfig = SectionConfig<typeof formatParams>;

const FLAT_FORMAT_PARAMS: Record<string, string> = {
  format: '@type',
  output_type: 'output_type',
  message_key: 'message_key',
  add_newline: 'add_newline',
  delimiter: 'delimiter',
  label_delimiter: 'label_delimiter',
  json_parser: 'json_parser',
};

/** Moves v0.12 flat formatter parameters into a `<format>` section (when there is none). */
export function compatStdoutFormat(el: ConfigElement): void {
  if (el.children('format').length > 0) return;
  const keys = Object.keys(FLAT_FORMAT_PARAMS).filter((k) => el.has(k));
  if (keys.length === 0) return;
  const f = new ConfigElement('format', '', el.params.get(keys[0]!)!.pos);
  for (const k of keys) f.set(FLAT_FORMAT_PARAMS[k]!, el.get(k) ?? null, el.params.get(k)!.pos);
  el.elements.push(f);
}

function recordFormatter(type: string, c: FormatConfig | undefined): (record: Rec) => string {
  switch (type) {
    case 'json':
      return rubyJson;
    case 'hash':
      return rubyInspect;
    case 'single_value': {
      const key = c?.message_key ?? 'message';
      return (r) => rubyToS(r[key]);
    }
    case 'ltsv': {
      const d = c?.delimiter ?? '\t';
      const ld = c?.label_delimiter ?? ':';
      const rep = c?.replacement ?? ' ';
      return (r) => {
        const out: string[] = [];
        for (const k in r) out.push(`${k}${ld}${rubyToS(r[k]).split(d).join(rep)}`);
        return out.join(d);
      };
    }
    default:
      throw new ConfigError(
        `Unknown formatter plugin '${type}'. Known formatter plugins here: stdout, ${RECORD_FORMATS.join(', ')}`,
        { code: 'UNKNOWN_PLUGIN', ...(c ? { pos: c.$element.pos } : {}) },
      );
  }
}

/** `2017-11-28 11:43:13.814351757 +0900` in local time, with the seconds part cached. */
function defaultTimeFormatter(): (sec: number, nsec: number) => string {
  let lastSec = Number.NaN;
  let head = '';
  let zone = '';
  return (sec, nsec) => {
    if (sec !== lastSec) {
      lastSec = sec;
      const d = new Date(sec * 1000);
      head = strftime('%Y-%m-%d %H:%M:%S', sec, 0);
      zone = formatOffset(-d.getTimezoneOffset());
    }
    return `${head}.${String(nsec).padStart(9, '0')} ${zone}`;
  };
}

/** Builds the line formatter for a configured `<format>` (undefined = the defaults). */
export function makeLineFormatter(c: FormatConfig | undefined): LineFormatter {
  const type = c?.['@type'] ?? 'stdout';
  if (type !== 'stdout') {
    const f = recordFormatter(type, c);
    return (_tag, _sec, _nsec, record) => f(record);
  }
  const f = recordFormatter(c?.output_type ?? 'json', c);
  const tf = c?.time_format;
  const time = tf ? (sec: number, nsec: number) => strftime(tf, sec, nsec) : defaultTimeFormatter();
  return (tag, sec, nsec, record) => `${time(sec, nsec)} ${tag}: ${f(record)}`;
}
