import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/parser.js';
import { Logger, LogSink } from '../../src/core/log.js';
import { Engine } from '../../src/engine/engine.js';
import { defaultSystemConfig } from '../../src/plugin/context.js';
import { MonitorAgentInput } from '../../src/plugins/in_monitor_agent.js';
import { builtinRegistry } from '../../src/plugins/index.js';
import { waitFor } from '../helpers/proc.js';

test('monitor_agent reports plugins, buffers and config over HTTP', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'monitor-'));
  const root = parseConfig(
    `<source>
  @type monitor_agent
  @id mon
  bind 127.0.0.1
  port 0
</source>
<source>
  @type sample
  @id in_sample
  tag app.x
  rate 50
</source>
<match app.**>
  @type file
  @id out_file
  path ${dir}/out
  <buffer>
    @type memory
    flush_mode interval
    flush_interval 1h
  </buffer>
</match>`,
    'monitor.conf',
  );
  const sink = new LogSink();
  sink.captured = [];
  const engine = new Engine(root, {
    registry: builtinRegistry(),
    log: new Logger({ sink }),
    system: defaultSystemConfig(),
  });
  await engine.start();
  try {
    const mon = engine.inputs.find((i) => i instanceof MonitorAgentInput) as MonitorAgentInput;
    const base = `http://127.0.0.1:${mon.port}`;
    const plugins = async (q = '') =>
      ((await (await fetch(`${base}/api/plugins.json${q}`)).json()) as { plugins: Record<string, unknown>[] })
        .plugins;
    const all = await plugins();
    assert.deepEqual(
      all.map((p) => [p.plugin_id, p.plugin_category, p.type]),
      [
        ['mon', 'input', 'monitor_agent'],
        ['in_sample', 'input', 'sample'],
        ['out_file', 'output', 'file'],
      ],
    );
    await waitFor(
      async () => ((await plugins('?@id=out_file'))[0]!.emit_records as number) > 0,
      'buffered records',
    );
    const [out] = await plugins('?tag=app.x');
    assert.equal(out!.plugin_id, 'out_file');
    assert.equal(out!.output_plugin, true);
    assert.ok((out!.buffer_stage_byte_size as number) > 0);
    assert.deepEqual((out!.config as Record<string, unknown>)['@type'], 'file');
    assert.equal((await plugins('?@type=sample')).length, 1);
    const ltsv = await (await fetch(`${base}/api/plugins`)).text();
    assert.match(ltsv, /^plugin_id:mon\tplugin_category:input\ttype:monitor_agent/m);
    const conf = (await (await fetch(`${base}/api/config.json`)).json()) as Record<string, unknown>;
    assert.equal(conf.pid, process.pid);
    const nf = await fetch(`${base}/nope`);
    assert.equal(nf.status, 404);
    assert.deepEqual(await nf.json(), { message: 'Not found' });
  } finally {
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('inputs count emit_records (and emit_size) only with <system> enable_input_metrics', async () => {
  for (const metrics of [false, true]) {
    const root = parseConfig(
      `<source>
  @type monitor_agent
  @id mon
  bind 127.0.0.1
  port 0
</source>
<source>
  @type sample
  @id in_sample
  tag app.x
  rate 50
</source>
<source>
  @type forward
  @id in_fwd
  bind 127.0.0.1
  port 0
</source>
<match app.**>
  @type null
  @id out
</match>`,
      'monitor.conf',
    );
    const sink = new LogSink();
    sink.captured = [];
    const engine = new Engine(root, {
      registry: builtinRegistry(),
      log: new Logger({ sink }),
      system: { ...defaultSystemConfig(), enableInputMetrics: metrics, enableSizeMetrics: metrics },
    });
    await engine.start();
    try {
      const mon = engine.inputs.find((i) => i instanceof MonitorAgentInput) as MonitorAgentInput;
      const get = async (id: string) =>
        (
          (await (await fetch(`http://127.0.0.1:${mon.port}/api/plugins.json?@id=${id}`)).json()) as {
            plugins: Record<string, number>[];
          }
        ).plugins[0]!;
      await waitFor(async () => (await get('out')).emit_records >= 3, 'events through out_null');
      const input = await get('in_sample');
      if (metrics) {
        assert.ok(input.emit_records! >= 3, JSON.stringify(input));
        assert.ok(input.emit_size! > input.emit_records!, 'msgpack bytes counted');
      } else {
        assert.equal(input.emit_records, 0);
        assert.equal(input.emit_size, 0);
      }
      assert.equal(input.retry_count, null);
      // an input with a `stats` counters object (not a method) is listed, not a crash
      assert.equal((await get('in_fwd')).plugin_category as unknown, 'input');
    } finally {
      await engine.stop();
    }
  }
});
