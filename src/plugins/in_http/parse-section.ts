// in_http's `<parse>` section. `@type in_http` (or no @type) keeps the built-in body handling
// and reads only its time options; any other @type hands the raw body to that parser plugin.
//
//   <parse>
//     time_key t            record field holding the event time (default `time`)
//     keep_time_key true    leave it in the record
//     time_format / time_type / localtime / utc / timezone   how to read it (default: a number)
//   </parse>

import type { ConfigElement } from '../../config/element.js';
import { TimeParser, type TimeType } from '../../helpers/time-parser.js';
import { createParser, type Parser } from '../../plugin/parser.js';
import type { PluginContext } from '../../plugin/types.js';
import '../parser_builtins.js';

export interface ParseOptions {
  timeKey: string;
  keepTimeKey: boolean;
  timeParser: TimeParser | undefined;
  customParser: Parser<any> | undefined;
}

export function parseSection(ctx: PluginContext, el: ConfigElement): ParseOptions {
  const out: ParseOptions = {
    timeKey: 'time',
    keepTimeKey: false,
    timeParser: undefined,
    customParser: undefined,
  };
  const parse = el.children('parse')[0];
  if (!parse) return out;
  const ptype = parse.params.get('@type')?.value ?? parse.params.get('type')?.value;
  if (ptype && ptype !== 'in_http') {
    out.customParser = createParser(ctx, parse);
    return out;
  }
  parse.consumed = true;
  if (ptype) parse.used.add(parse.has('@type') ? '@type' : 'type');
  const get = (k: string) => parse.get(k) ?? undefined;
  out.timeKey = get('time_key') ?? 'time';
  out.keepTimeKey = get('keep_time_key') === 'true';
  const fmt = get('time_format');
  const type = get('time_type') as TimeType | undefined;
  if (fmt !== undefined || type !== undefined) {
    const lt = get('localtime');
    out.timeParser = new TimeParser({
      type: type ?? 'string',
      format: fmt,
      localtime: lt === undefined ? true : lt === 'true',
      utc: get('utc') === 'true',
      timezone: get('timezone'),
    });
  }
  return out;
}
