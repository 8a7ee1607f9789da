// in_debug_agent: accepted for compatibility only. td-agent's default config (spec
// treasure-data §5.1) starts one:
//
//   <source>
//     @type debug_agent
//     @id input_debug_agent
//     bind 127.0.0.1
//     port 24230
//   </source>
//
// In Fluentd it is a dRuby server exposing the running engine to a Ruby console
// (fluent-debug). dRuby is a Ruby-only protocol with no counterpart here, so Tributary reads
// the same parameters, opens nothing, and logs one warning at start saying so. Use
// in_monitor_agent (HTTP, JSON) to inspect a running td-agent instead.

import { p } from '../config/params.js';
import { Input } from '../plugin/base.js';

const params = {
  bind: p.string({
    default: '127.0.0.1',
    desc: 'Accepted for compatibility (Fluentd: address of the dRuby server).',
  }),
  port: p.integer({
    default: 24230,
    desc: 'Accepted for compatibility (Fluentd: dRuby port, plus the worker id with several workers).',
  }),
  unix_path: p.string({ desc: 'Accepted for compatibility (Fluentd: dRuby UNIX socket path).' }),
  object: p.string({
    default: 'Fluent::Engine',
    desc: 'Accepted for compatibility (Fluentd: the Ruby object the dRuby server exposes).',
  }),
} as const;

export class DebugAgentInput extends Input<typeof params> {
  static override readonly type = 'debug_agent';
  static override readonly params = params;
  static readonly desc =
    "Accepted for compatibility with td-agent's default config: Fluentd's dRuby debug agent is Ruby-only, so this listens on nothing and logs one warning.";
  static readonly example = '<source>\n  @type debug_agent\n  bind 127.0.0.1\n  port 24230\n</source>';

  private warned = false;

  /** The address Fluentd would have listened on (port + worker id with several workers). */
  get uri(): string {
    const c = this.config;
    if (c.unix_path !== undefined) return `drbunix:${c.unix_path}`;
    const port = this.ctx.system.workers > 1 ? c.port + this.ctx.workerId : c.port;
    return `druby://${c.bind}:${port}`;
  }

  override start(): void {
    if (this.warned) return;
    this.warned = true;
    this.log.warn(
      'debug_agent is a Ruby-only dRuby server that Tributary does not provide: listening on nothing (use monitor_agent to inspect the daemon)',
      { uri: this.uri, object: this.config.object },
    );
  }
}
