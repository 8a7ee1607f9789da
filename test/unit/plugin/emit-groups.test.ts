// groupByMetadata with the time key alone (no per-event metadata keys) must give what the
// per-event definition gives: one group per timekey in order of first appearance, the event
// indexes of each, and `indexes` undefined when the whole stream is one group.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metadataKey } from '../../../src/buffer/buffer.js';
import type { BufferConfig } from '../../../src/buffer/config.js';
import { EventStream } from '../../../src/core/event-stream.js';
import { parseZone } from '../../../src/core/strftime.js';
import { groupByMetadata } from '../../../src/plugin/emit-groups.js';
import { timekeyOf } from '../../../src/plugin/placeholders.js';

function cfg(timekey: number, tagKey: boolean, zone = '+09:00'): BufferConfig {
  return { timeKey: true, tagKey, recordKeys: [], timekey, zone: parseZone(zone) } as unknown as BufferConfig;
}

/** The definition: each event's metadata, grouped by its key in order of first appearance. */
function reference(tag: string, secs: number[], c: BufferConfig) {
  const groups = new Map<string, { key: string; timekey: number; indexes: number[] }>();
  secs.forEach((s, i) => {
    const tk = timekeyOf(s, c.timekey!, c.zone);
    const key = metadataKey({ timekey: tk, tag: c.tagKey ? tag : undefined, variables: undefined });
    let g = groups.get(key);
    if (!g) {
      g = { key, timekey: tk, indexes: [] };
      groups.set(key, g);
    }
    g.indexes.push(i);
  });
  return [...groups.values()];
}

test('time-key grouping equals the per-event definition', () => {
  let seed = 1;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let round = 0; round < 300; round++) {
    const n = Math.floor(rnd() * 50);
    const base = 1764291600 + Math.floor(rnd() * 100000);
    const spread = [0, 5, 200, 5000][round % 4]!;
    const secs = Array.from({ length: n }, () => base + Math.floor(rnd() * spread));
    const c = cfg([60, 3600, 86400][round % 3]!, round % 2 === 0);
    const es = new EventStream(
      secs,
      secs.map(() => 0),
      secs.map(() => ({})),
    );
    const got = groupByMetadata('app.x', es, c);
    const want = reference('app.x', secs, c);
    assert.equal(got.length, want.length);
    got.forEach((g, i) => {
      const w = want[i]!;
      assert.equal(g.key, w.key);
      assert.equal(g.metadata.timekey, w.timekey);
      assert.equal(g.metadata.tag, c.tagKey ? 'app.x' : undefined);
      assert.deepEqual(g.indexes ?? [...Array(n).keys()], w.indexes);
      if (got.length === 1) assert.equal(g.indexes, undefined);
    });
  }
});
