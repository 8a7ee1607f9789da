// Every built-in ships a working `example`: configure each one from it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/parser.js';
import type { Parser } from '../../src/plugin/parser.js';
import type { FilterPlugin, InputPlugin, OutputPlugin, PluginClass } from '../../src/plugin/types.js';
import { builtinPlugins, builtinRegistry } from '../../src/plugins/index.js';
import {
  FilterTestDriver,
  InputTestDriver,
  OutputTestDriver,
  ParserTestDriver,
} from '../../src/test-driver/index.js';

const DIRECTIVE = { input: 'source', output: 'match', filter: 'filter', parser: 'parse' } as const;

test('the registry knows every built-in under its type and aliases', () => {
  const r = builtinRegistry();
  for (const cls of builtinPlugins) {
    assert.equal(r.lookup(cls.kind, cls.type), cls);
    for (const a of cls.aliases ?? []) assert.equal(r.lookup(cls.kind, a), cls);
  }
  for (const t of ['copy', 'null', 'relabel', 'stdout', 'file', 'tdlog']) assert.ok(r.has('output', t), t);
  for (const t of ['grep', 'record_transformer', 'stdout']) assert.ok(r.has('filter', t), t);
  for (const t of ['dummy', 'sample']) assert.ok(r.has('input', t), t);
});

for (const cls of builtinPlugins) {
  test(`${cls.kind} ${cls.type}: example configures, desc present`, () => {
    assert.ok(cls.example, `${cls.type} has no example`);
    assert.ok(cls.desc, `${cls.type} has no desc`);
    const kind = cls.kind as keyof typeof DIRECTIVE;
    const root = parseConfig(cls.example!, `${cls.type}-example.conf`);
    const el = root.elements.find((e) => e.name === DIRECTIVE[kind]);
    assert.ok(el, `example of ${cls.type} has no <${DIRECTIVE[kind]}>`);
    assert.equal(el.params.get('@type')?.value, cls.type);
    if (kind === 'input') new InputTestDriver(cls as PluginClass<InputPlugin>, el);
    else if (kind === 'filter') new FilterTestDriver(cls as PluginClass<FilterPlugin>, el);
    else if (kind === 'parser') new ParserTestDriver(cls as PluginClass<Parser<any>>, el);
    else new OutputTestDriver(cls as PluginClass<OutputPlugin>, el);
    // Every parameter of the example was read by the plugin.
    const unused = [...el.params.keys()].filter((k) => !el.used.has(k) && !k.startsWith('@'));
    assert.deepEqual(unused, []);
  });
}
