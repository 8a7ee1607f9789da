import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigElement } from '../../../src/config/element.js';
import { Logger, LogSink } from '../../../src/core/log.js';
import { instantiatePlugin } from '../../../src/plugin/instantiate.js';
import type { OutputPlugin } from '../../../src/plugin/types.js';
import { builtinRegistry } from '../../../src/plugins/index.js';
import { NullOutput } from '../../../src/plugins/out_null.js';
import { CaptureStore, CapturingEmitter } from '../../../src/test-driver/capture.js';

const pos = { file: 'x.conf', line: 3, col: 1 };

function el(name: string, arg: string, params: Record<string, string>): ConfigElement {
  const e = new ConfigElement(name, arg, pos);
  for (const [k, v] of Object.entries(params)) e.set(k, v, pos);
  return e;
}

function capturedLog(): Logger {
  const sink = new LogSink();
  sink.captured = [];
  return new Logger({ sink, level: 'trace' });
}

test('instantiatePlugin looks up @type, configures, and marks the reserved keys used', () => {
  const e = el('match', '**', { '@type': 'null', '@id': 'n1', never_flush: 'true' });
  const o = instantiatePlugin<OutputPlugin>(builtinRegistry(), 'output', e, { log: capturedLog() });
  assert.ok(o instanceof NullOutput);
  assert.equal(o.ctx.id, 'n1');
  assert.equal(o.ctx.hasExplicitId, true);
  assert.equal((o as NullOutput).config.never_flush, true);
  assert.ok(e.used.has('@type') && e.used.has('@id') && e.used.has('never_flush'));
});

test("legacy 'type' is accepted with Fluentd's warning", () => {
  const log = capturedLog();
  const o = instantiatePlugin(builtinRegistry(), 'output', el('match', '**', { type: 'null' }), { log });
  assert.ok(o instanceof NullOutput);
  assert.match(
    log.sink.captured!.join('\n'),
    /\[warn\]: 'type' is deprecated parameter name\. use '@type' instead\./,
  );
});

test('missing and unknown @type are config errors with a position', () => {
  const r = builtinRegistry();
  assert.throws(
    () => instantiatePlugin(r, 'output', el('match', '**', {}), {}),
    /x\.conf:3:1.*Missing '@type' parameter on <match> directive/,
  );
  assert.throws(
    () => instantiatePlugin(r, 'output', el('store', '', {}), { parents: ['<match a> @type copy'] }),
    /Missing '@type' parameter in <store> section/,
  );
  assert.throws(
    () => instantiatePlugin(r, 'output', el('match', '**', { '@type': 'nope' }), {}),
    (e: Error) =>
      /x\.conf:3:1/.test(e.message) &&
      /Unknown output plugin 'nope'\. Known output plugins: .*\bcopy\b.*\bstdout\b/.test(e.message),
  );
});

test('@label selects the label emitter; @log_level a child logger level', () => {
  const store = new CaptureStore();
  const labels: string[] = [];
  const o = instantiatePlugin<OutputPlugin>(
    builtinRegistry(),
    'output',
    el('match', '**', { '@type': 'relabel', '@label': '@X', '@log_level': 'error' }),
    {
      log: capturedLog(),
      labelEmitter: (name) => {
        labels.push(name);
        return new CapturingEmitter(store, name);
      },
    },
  );
  assert.deepEqual(labels, ['@X']);
  assert.equal(o.ctx.log.level, 'error');
  assert.throws(
    () =>
      instantiatePlugin(
        builtinRegistry(),
        'output',
        el('match', '**', { '@type': 'null', '@log_level': 'loud' }),
      ),
    /Unrecognized log level: loud/,
  );
});
