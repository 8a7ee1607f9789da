// Splitting an emitted stream by chunk metadata (spec core §4.3): each event maps to
// (timekey, tag, variables); events with equal metadata go to the same staged chunk. Without
// time or record keys the whole stream is one group (the common, fast case: no per-event work).

import { metadataKey } from '../buffer/buffer.js';
import type { BufferConfig } from '../buffer/config.js';
import type { EventStream } from '../core/event-stream.js';
import { type RecordAccessor, recordAccessor } from '../helpers/record-accessor.js';
import { type Metadata, timekeyOf } from './placeholders.js';

export interface EmitGroup {
  key: string;
  metadata: Metadata;
  /** Event indexes of this group; undefined = the whole stream. */
  indexes: number[] | undefined;
}

const accessors = new WeakMap<BufferConfig, RecordAccessor[]>();

function accessorsOf(cfg: BufferConfig): RecordAccessor[] {
  let a = accessors.get(cfg);
  if (!a) {
    a = cfg.recordKeys.map((k) => recordAccessor(k));
    accessors.set(cfg, a);
  }
  return a;
}

function variableValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}

export function groupByMetadata(tag: string, es: EventStream, cfg: BufferConfig): EmitGroup[] {
  const tagV = cfg.tagKey ? tag : undefined;
  if (!cfg.timeKey && cfg.recordKeys.length === 0) {
    const md: Metadata = { timekey: undefined, tag: tagV, variables: undefined };
    return [{ key: metadataKey(md), metadata: md, indexes: undefined }];
  }
  const acc = accessorsOf(cfg);
  const groups = new Map<string, EmitGroup>();
  const n = es.length;
  let lastSec = Number.NaN;
  let lastTk: number | undefined;
  for (let i = 0; i < n; i++) {
    let tk: number | undefined;
    if (cfg.timeKey) {
      const s = es.secs[i]!;
      if (s !== lastSec) {
        lastSec = s;
        lastTk = timekeyOf(s, cfg.timekey!, cfg.zone);
      }
      tk = lastTk;
    }
    let vars: Record<string, unknown> | undefined;
    if (acc.length > 0) {
      vars = {};
      const rec = es.records[i]!;
      for (let k = 0; k < acc.length; k++) {
        let v: unknown;
        try {
          v = acc[k]!.get(rec);
        } catch {
          v = undefined;
        }
        vars[cfg.recordKeys[k]!] = variableValue(v);
      }
    }
    const md: Metadata = { timekey: tk, tag: tagV, variables: vars };
    const key = metadataKey(md);
    let g = groups.get(key);
    if (!g) {
      g = { key, metadata: md, indexes: [] };
      groups.set(key, g);
    }
    g.indexes!.push(i);
  }
  if (groups.size === 1) {
    const g = groups.values().next().value!;
    g.indexes = undefined;
  }
  return [...groups.values()];
}
