// The built-in plugins as lazy entries: type → the module that defines it, imported only when a
// config names the type (PluginRegistry.preload). This is the daemon's registry: a worker with
// the default config imports five plugin modules instead of all of them, and never the ones it
// does not use (tail, exec, out_forward, ...).
//
// The same set as plugins/index.ts (which imports every class eagerly for the tests, the drivers
// and gen-docs); test/unit/plugin/lazy-registry.test.ts checks that the two agree — a plugin
// added there must be added here.

import { PluginRegistry } from '../plugin/registry.js';
import type { PluginClass, PluginKind } from '../plugin/types.js';

type Entry = readonly [kind: PluginKind, names: readonly string[], load: () => Promise<PluginClass>];

const parsers = async (type: string): Promise<PluginClass> => {
  const { BUILTIN_PARSERS } = await import('./parser_builtins.js');
  const cls = (BUILTIN_PARSERS as readonly PluginClass[]).find((c) => c.type === type);
  if (!cls) throw new Error(`no built-in parser '${type}'`);
  return cls;
};

export const BUILTIN_LAZY: readonly Entry[] = [
  ['input', ['sample', 'dummy'], async () => (await import('./in_sample.js')).SampleInput],
  ['input', ['monitor_agent'], async () => (await import('./in_monitor_agent.js')).MonitorAgentInput],
  ['input', ['http'], async () => (await import('./in_http/index.js')).HttpInput],
  ['input', ['forward'], async () => (await import('./in_forward/index.js')).ForwardInput],
  ['input', ['tcp'], async () => (await import('./in_tcp.js')).TcpInput],
  ['input', ['udp'], async () => (await import('./in_udp.js')).UdpInput],
  ['input', ['syslog'], async () => (await import('./in_syslog.js')).SyslogInput],
  ['input', ['tail'], async () => (await import('./in_tail/index.js')).TailInput],
  ['input', ['exec'], async () => (await import('./in_exec.js')).ExecInput],
  ['input', ['debug_agent'], async () => (await import('./in_debug_agent.js')).DebugAgentInput],
  ['output', ['stdout'], async () => (await import('./out_stdout.js')).StdoutOutput],
  ['output', ['null'], async () => (await import('./out_null.js')).NullOutput],
  ['output', ['copy'], async () => (await import('./out_copy.js')).CopyOutput],
  ['output', ['relabel'], async () => (await import('./out_relabel.js')).RelabelOutput],
  ['output', ['file'], async () => (await import('./out_file.js')).FileOutput],
  ['output', ['tdlog'], async () => (await import('./out_tdlog.js')).TdLogOutput],
  ['output', ['secondary_file'], async () => (await import('./out_secondary_file.js')).SecondaryFileOutput],
  ['output', ['forward'], async () => (await import('./out_forward/index.js')).ForwardOutput],
  ['output', ['roundrobin'], async () => (await import('./out_roundrobin.js')).RoundRobinOutput],
  ['output', ['exec'], async () => (await import('./out_exec.js')).ExecOutput],
  ['output', ['http'], async () => (await import('./out_http.js')).HttpOutput],
  ['filter', ['grep'], async () => (await import('./filter_grep.js')).GrepFilter],
  [
    'filter',
    ['record_transformer'],
    async () => (await import('./filter_record_transformer.js')).RecordTransformerFilter,
  ],
  ['filter', ['stdout'], async () => (await import('./filter_stdout.js')).StdoutFilter],
  ['filter', ['parser'], async () => (await import('./filter_parser.js')).ParserFilter],
  ...[
    'apache2',
    'apache_error',
    'csv',
    'json',
    'ltsv',
    'msgpack',
    'multiline',
    'nginx',
    'none',
    'regexp',
    'syslog',
    'tsv',
  ].map((t): Entry => ['parser', [t], () => parsers(t)]),
];

/** A registry of every built-in as a lazy entry; `-p DIR` plugins are added to it as classes. */
export function lazyBuiltinRegistry(): PluginRegistry {
  const r = new PluginRegistry();
  for (const [kind, names, load] of BUILTIN_LAZY) r.registerLazy(kind, names, load);
  return r;
}
