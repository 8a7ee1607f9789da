// <worker N> / <worker N-M> blocks (spec core §1.3): contents apply only to the listed
// workers and are appended after all top-level elements.

import type { ConfigElement } from '../config/element.js';
import { ConfigError } from '../core/errors.js';

const ALLOWED = new Set(['source', 'match', 'filter', 'label']);

export function workerRange(el: ConfigElement, workers: number): [number, number] {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(el.arg);
  if (!m) throw new ConfigError(`worker id is not a number: ${el.arg}`, { pos: el.pos });
  const from = Number(m[1]);
  const to = m[2] !== undefined ? Number(m[2]) : from;
  if (from > to)
    throw new ConfigError(
      `greater first_worker_id<${from}> than last_worker_id<${to}> specified by <worker> directive is not allowed. Available multi worker assign syntax is <smaller_worker_id>-<greater_worker_id>`,
      { pos: el.pos },
    );
  for (const id of [from, to]) {
    if (id >= workers) {
      throw new ConfigError(
        `worker id ${id} specified by <worker> directive is not allowed. Available worker id is between 0 and ${workers - 1}`,
        { pos: el.pos },
      );
    }
  }
  return [from, to];
}

/** Elements this worker runs, in rank order. Validates every <worker> block. */
export function workerElements(root: ConfigElement, workers: number, workerId: number): ConfigElement[] {
  const top = root.elements.filter((e) => e.name !== 'worker');
  const extra: ConfigElement[] = [];
  const taken = new Set<number>();
  for (const w of root.children('worker')) {
    w.consumed = true;
    const [from, to] = workerRange(w, workers);
    for (let i = from; i <= to; i++) {
      if (taken.has(i))
        throw new ConfigError(
          `specified worker_id<${i}> collisions is detected on <worker> directive. Available worker id(s): ${[...Array(workers).keys()].filter((x) => !taken.has(x)).join(', ')}`,
          { pos: w.pos },
        );
      taken.add(i);
    }
    for (const c of w.elements) {
      if (c.name === 'system')
        throw new ConfigError('<worker> section cannot have <system> directive', { pos: c.pos });
      if (!ALLOWED.has(c.name))
        throw new ConfigError(`<worker> section cannot have <${c.name}> directive`, { pos: c.pos });
    }
    if (workerId >= from && workerId <= to) extra.push(...w.elements);
  }
  return [...top, ...extra];
}
