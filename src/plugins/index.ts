// The built-in plugins, listed explicitly (DESIGN.md §3). `builtinRegistry()` is what the
// engine and the test drivers start from; `-p DIR` adds user plugins to it.

import { PluginRegistry } from '../plugin/registry.js';
import type { PluginClass } from '../plugin/types.js';
import { GrepFilter } from './filter_grep.js';
import { ParserFilter } from './filter_parser.js';
import { RecordTransformerFilter } from './filter_record_transformer.js';
import { StdoutFilter } from './filter_stdout.js';
import { DebugAgentInput } from './in_debug_agent.js';
import { ExecInput } from './in_exec.js';
import { ForwardInput } from './in_forward/index.js';
import { HttpInput } from './in_http/index.js';
import { MonitorAgentInput } from './in_monitor_agent.js';
import { SampleInput } from './in_sample.js';
import { SyslogInput } from './in_syslog.js';
import { TailInput } from './in_tail/index.js';
import { TcpInput } from './in_tcp.js';
import { UdpInput } from './in_udp.js';
import { CopyOutput } from './out_copy.js';
import { ExecOutput } from './out_exec.js';
import { FileOutput } from './out_file.js';
import { ForwardOutput } from './out_forward/index.js';
import { HttpOutput } from './out_http.js';
import { NullOutput } from './out_null.js';
import { RelabelOutput } from './out_relabel.js';
import { RoundRobinOutput } from './out_roundrobin.js';
import { SecondaryFileOutput } from './out_secondary_file.js';
import { StdoutOutput } from './out_stdout.js';
import { TdLogOutput } from './out_tdlog.js';
import { BUILTIN_PARSERS } from './parser_builtins.js';

export const builtinPlugins: PluginClass[] = [
  SampleInput,
  StdoutOutput,
  NullOutput,
  CopyOutput,
  RelabelOutput,
  GrepFilter,
  RecordTransformerFilter,
  StdoutFilter,
  FileOutput,
  TdLogOutput,
  SecondaryFileOutput,
  MonitorAgentInput,
  HttpInput,
  ForwardInput,
  ForwardOutput,
  TcpInput,
  UdpInput,
  SyslogInput,
  TailInput,
  RoundRobinOutput,
  ParserFilter,
  ExecInput,
  ExecOutput,
  HttpOutput,
  DebugAgentInput,
  ...(BUILTIN_PARSERS as readonly PluginClass[]),
];

export function builtinRegistry(): PluginRegistry {
  const r = new PluginRegistry();
  for (const cls of builtinPlugins) r.register(cls);
  return r;
}
