// The built-in parser classes, registered into plugin/parser.ts's table so createParser()
// resolves them. Importing this module is enough; plugins/index.ts lists the same classes for
// the main registry.

import { registerParser } from '../plugin/parser.js';
import { ApacheErrorParser } from './parser_apache_error.js';
import { Apache2Parser } from './parser_apache2.js';
import { CsvParser } from './parser_csv.js';
import { JsonParser } from './parser_json.js';
import { LtsvParser } from './parser_ltsv.js';
import { MsgpackParser } from './parser_msgpack.js';
import { MultilineParser } from './parser_multiline.js';
import { NginxParser } from './parser_nginx.js';
import { NoneParser } from './parser_none.js';
import { RegexpParser } from './parser_regexp.js';
import { SyslogParser } from './parser_syslog.js';
import { TsvParser } from './parser_tsv.js';

export const BUILTIN_PARSERS = [
  Apache2Parser,
  ApacheErrorParser,
  CsvParser,
  JsonParser,
  LtsvParser,
  MsgpackParser,
  MultilineParser,
  NginxParser,
  NoneParser,
  RegexpParser,
  SyslogParser,
  TsvParser,
] as const;

for (const cls of BUILTIN_PARSERS) registerParser(cls);
