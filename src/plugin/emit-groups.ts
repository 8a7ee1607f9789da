// Splitting an emitted stream by chunk metadata (spec core §4.3): each event maps to
// (timekey, tag, variables); events with equal metadata go to the same staged chunk. Without
// time or record keys the whole stream is one group (the common, fast case: no per-event work).
// With the time key alone, events are grouped by timekey: a stream within one timekey (the
// usual case) is one group after a scan of the times, and a metadata key string is built once
// per group, never per event.

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
  if (cfg.recordKeys.length === 0) return groupByTimekey(tagV, es.secs, cfg);
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

function timeGroup(tk: number, tag: string | undefined, indexes: number[] | undefined): EmitGroup {
  const md: Metadata = { timekey: tk, tag, variables: undefined };
  return { key: metadataKey(md), metadata: md, indexes };
}

/** Time key (and maybe tag) only: groups in order of first appearance, as the general path. */
function groupByTimekey(tag: string | undefined, secs: readonly number[], cfg: BufferConfig): EmitGroup[] {
  const n = secs.length;
  const timekey = cfg.timekey!;
  if (n === 0) return [];
  const first = timekeyOf(secs[0]!, timekey, cfg.zone);
  // the common case: every event within the first timekey (checked per distinct second)
  let lastSec = secs[0]!;
  let i = 1;
  for (; i < n; i++) {
    const s = secs[i]!;
    if (s === lastSec) continue;
    if (timekeyOf(s, timekey, cfg.zone) !== first) break;
    lastSec = s;
  }
  if (i === n) return [timeGroup(first, tag, undefined)];
  const groups = new Map<number, EmitGroup>();
  const all = new Array<number>(i);
  for (let k = 0; k < i; k++) all[k] = k;
  let g = timeGroup(first, tag, all);
  groups.set(first, g);
  lastSec = Number.NaN;
  for (; i < n; i++) {
    const s = secs[i]!;
    if (s !== lastSec) {
      lastSec = s;
      const tk = timekeyOf(s, timekey, cfg.zone);
      let next = groups.get(tk);
      if (!next) {
        next = timeGroup(tk, tag, []);
        groups.set(tk, next);
      }
      g = next;
    }
    g.indexes!.push(i);
  }
  return [...groups.values()];
}
