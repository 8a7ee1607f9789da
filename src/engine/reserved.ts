// Legacy spellings of the reserved parameters: `type`, `id`, `log_level` are accepted with
// Fluentd's deprecation warning and renamed to `@type`, `@id`, `@log_level`.

import type { ConfigElement } from '../config/element.js';

const LEGACY: [string, string][] = [
  ['type', '@type'],
  ['id', '@id'],
  ['log_level', '@log_level'],
];

export function normalizeReserved(el: ConfigElement, warn: (m: string) => void): void {
  for (const [old, now] of LEGACY) {
    const p = el.params.get(old);
    if (!p || el.params.has(now)) continue;
    warn(`'${old}' is deprecated parameter name. use '${now}' instead.`);
    el.params.set(now, p);
    el.params.delete(old);
  }
}
