// Unused parameters and sections. Fluentd only warns; we warn at start, list every one in
// --dry-run, and fail with --strict-config. Each names the position and the closest known name.

import type { ConfigElement } from '../config/element.js';
import { didYouMean } from '../config/value-types.js';
import type { SourcePos } from '../core/errors.js';
import { formatPos } from '../core/errors.js';

export interface ConfigWarning {
  message: string;
  pos: SourcePos;
}

export function formatWarning(w: ConfigWarning): string {
  return `${formatPos(w.pos)} ${w.message}`;
}

function describe(el: ConfigElement): string {
  const type = el.params.get('@type')?.value;
  return el.head() + (type ? ` @type ${type}` : '');
}

/** Walk a configured plugin element and its sections, collecting what no plugin read. */
export function collectUnused(el: ConfigElement, out: ConfigWarning[], path = describe(el)): void {
  for (const [k, p] of el.params) {
    if (el.used.has(k)) continue;
    const hint = didYouMean(
      k,
      (el.known ?? []).filter((n) => !n.startsWith('<')),
    );
    out.push({
      message: `parameter '${k}' in ${path} is not used.${hint ? ` Did you mean '${hint}'?` : ''}`,
      pos: p.pos,
    });
  }
  for (const c of el.elements) {
    if (c.consumed) collectUnused(c, out, `${path} ${describe(c)}`);
    else if (c.params.size > 0 || c.elements.length > 0) {
      const names = (el.known ?? []).filter((n) => n.startsWith('<')).map((n) => n.slice(1, -1));
      const hint = didYouMean(c.name, names);
      out.push({
        message: `section ${c.head()} is not used in ${path}${el.owner ? ` of ${el.owner}` : ''}.${hint ? ` Did you mean '<${hint}>'?` : ''}`,
        pos: c.pos,
      });
    }
  }
}
