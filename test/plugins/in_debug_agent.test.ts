import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DebugAgentInput } from '../../src/plugins/in_debug_agent.js';
import { InputTestDriver } from '../../src/test-driver/index.js';

test("debug_agent: td-agent's default source is accepted; one warning at start, nothing listens", async () => {
  const d = new InputTestDriver(DebugAgentInput, '@id input_debug_agent\nbind 127.0.0.1\nport 24230');
  assert.deepEqual(
    [...d.element.params.keys()].filter((k) => !d.element.used.has(k) && !k.startsWith('@')),
    [],
  );
  await d.start();
  await d.instance.start(); // idempotent: still one warning
  const warnings = d.logs().filter((l) => /\[warn\]/.test(l));
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0]!,
    /debug_agent is a Ruby-only dRuby server that Tributary does not provide: listening on nothing/,
  );
  assert.match(warnings[0]!, /uri="druby:\/\/127\.0\.0\.1:24230"/);
  assert.deepEqual(d.events(), []);
  await d.shutdown();
});

test('debug_agent: unix_path and object are accepted; with workers the port follows the worker id', () => {
  const d = new InputTestDriver(DebugAgentInput, 'unix_path /tmp/x.sock\nobject Fluent::Engine');
  assert.equal(d.instance.uri, 'drbunix:/tmp/x.sock');
  const w = new InputTestDriver(DebugAgentInput, 'port 24230', { system: { workers: 4 } });
  assert.match(w.instance.uri, /^druby:\/\/127\.0\.0\.1:2423\d$/);
});
