// A tiny router: patterns like `/v3/table/import/:db/:table/:format`, matched segment by
// segment on the percent-decoded path (TD clients encode every segment, '.' as %2E, so a
// segment is decoded after splitting: an encoded '/' stays inside its segment).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/log.js';
import type { ApiKeyEntry } from './auth.js';
import { ApiError } from './http.js';
import type { Store } from './store/types.js';

export interface Limits {
  /** Largest compressed import body (bytes). */
  maxImportBytes: number;
  /** Largest decompressed import body (bytes). */
  maxImportDecompressedBytes: number;
  /** Largest form body for POST calls (query text). */
  maxFormBytes: number;
  /** Deepest msgpack nesting in a record. */
  maxDepth: number;
}

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  key: ApiKeyEntry | undefined;
  store: Store;
  logger: Logger;
  limits: Limits;
}

export type Handler = (ctx: Ctx) => Promise<void> | void;

export interface Route {
  method: 'GET' | 'POST' | 'PUT';
  pattern: string;
  handler: Handler;
  /** No API key needed. */
  open?: boolean;
}

interface Compiled extends Route {
  segments: string[];
}

export class Router {
  private readonly routes: Compiled[] = [];

  add(...routes: Route[]): this {
    for (const r of routes) this.routes.push({ ...r, segments: r.pattern.split('/').slice(1) });
    return this;
  }

  /** The route and its params, or a 404/405 ApiError. `path` is the raw (encoded) path. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } {
    let segments: string[];
    try {
      segments = path.split('/').slice(1).map(decodeURIComponent);
    } catch {
      throw new ApiError(400, `malformed percent-encoding in path '${path}'`);
    }
    let methodMismatch = false;
    for (const r of this.routes) {
      const params = matchSegments(r.segments, segments);
      if (!params) continue;
      if (r.method !== method) {
        methodMismatch = true;
        continue;
      }
      return { route: r, params };
    }
    if (methodMismatch)
      throw new ApiError(405, `Method ${method} is not allowed for ${path}`, 'Method Not Allowed');
    throw new ApiError(404, `Unknown API: ${method} ${path}`, 'Resource not found');
  }
}

function matchSegments(pattern: string[], path: string[]): Record<string, string> | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith(':')) {
      if (path[i] === '') return undefined;
      params[p.slice(1)] = path[i]!;
    } else if (p !== path[i]) return undefined;
  }
  return params;
}
