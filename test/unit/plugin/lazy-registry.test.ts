// The daemon's lazy registry (plugins/lazy.ts) against the eager one (plugins/index.ts): the same
// types, aliases and classes; preload imports only what a config names; an unresolved lazy
// type is never silently missing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../../src/config/parser.js';
import { ConfigError } from '../../../src/core/errors.js';
import { Logger, LogSink } from '../../../src/core/log.js';
import { Engine } from '../../../src/engine/engine.js';
import { defaultSystemConfig } from '../../../src/plugin/context.js';
import type { PluginKind } from '../../../src/plugin/types.js';
import { builtinPlugins, builtinRegistry } from '../../../src/plugins/index.js';
import { lazyBuiltinRegistry } from '../../../src/plugins/lazy.js';

const KINDS: PluginKind[] = ['input', 'output', 'filter', 'parser', 'formatter', 'buffer'];

test('every built-in resolves lazily to the class plugins/index.ts registers, and nothing more', async () => {
  const eager = builtinRegistry();
  const lazy = lazyBuiltinRegistry();
  for (const kind of KINDS) assert.deepEqual(lazy.types(kind), eager.types(kind), `${kind} types`);
  await lazy.loadAll();
  for (const cls of builtinPlugins) {
    for (const name of [cls.type, ...(cls.aliases ?? [])]) {
      assert.equal(lazy.lookup(cls.kind, name), cls, `${cls.kind} ${name}`);
    }
  }
  assert.equal(new Set(lazy.all()).size, new Set(builtinPlugins).size);
});

test('preload resolves the types a config names, by the kind of their element', async () => {
  const r = lazyBuiltinRegistry();
  const root = parseConfig(
    `<source>
  @type dummy
  tag t
</source>
<filter **>
  @type grep
</filter>
<match **>
  @type copy
  <store>
    type null
  </store>
</match>
`,
    'test.conf',
  );
  assert.throws(() => r.lookup('output', 'copy'), /not loaded yet/);
  await r.preload(root);
  for (const [kind, type] of [
    ['input', 'dummy'],
    ['filter', 'grep'],
    ['output', 'copy'],
    ['output', 'null'],
  ] as const) {
    assert.equal(r.lookup(kind, type).kind, kind);
  }
  // Named as an output only: the stdout filter and the tail input stay unloaded.
  assert.throws(() => r.lookup('filter', 'stdout'), /not loaded yet/);
  assert.throws(() => r.lookup('input', 'tail'), /not loaded yet/);
  const sink = new LogSink();
  sink.captured = [];
  const engine = new Engine(root, { registry: r, log: new Logger({ sink }), system: defaultSystemConfig() });
  assert.equal(engine.warnings.length, 0);
});

test('an unknown type is still the config error listing every type, lazy ones included', async () => {
  const r = lazyBuiltinRegistry();
  await r.preload(parseConfig('<match **>\n  @type nope\n</match>\n', 'test.conf'));
  assert.throws(
    () => r.lookup('output', 'nope'),
    (e: unknown) => e instanceof ConfigError && /Known output plugins: .*tdlog/.test(e.message),
  );
});

test('a class registered under a lazy name (-p DIR) replaces the built-in', async () => {
  const r = lazyBuiltinRegistry();
  const mine = Object.assign(function MineNull() {}, { kind: 'output' as const, type: 'null' });
  r.register(mine as never);
  assert.equal(await r.resolve('output', 'null'), true);
  assert.equal(r.lookup('output', 'null'), mine);
});
