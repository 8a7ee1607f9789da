// Where the Treasure Data API is: `endpoint` as td, out_tdlog and td-client-ruby accept it, and
// path segments encoded the way td-client-ruby encodes them.

import { TributaryError } from '../core/errors.js';

export const DEFAULT_ENDPOINT = 'api.treasuredata.com';

export interface Endpoint {
  ssl: boolean;
  host: string; // without brackets for IPv6
  port: number;
  basePath: string; // '' or '/prefix' without trailing slash
}

/** `http(s)://host[:port][/path]` decides the scheme; a bare `host[:port]` is https/443 unless
 *  `ssl` is false (then http/80) — the rule td-client uses. */
export function parseEndpoint(endpoint: string, ssl = true): Endpoint {
  const text = endpoint.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new TributaryError('TD_ENDPOINT', `Invalid endpoint: ${text}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TributaryError('TD_ENDPOINT', `Invalid endpoint: ${text} (scheme must be http or https)`);
    }
    const secure = url.protocol === 'https:';
    return {
      ssl: secure,
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : secure ? 443 : 80,
      basePath: url.pathname.replace(/\/+$/, ''),
    };
  }
  const m = /^(\[[^\]]+\]|[^:/\s]+)(?::(\d+))?\/*$/.exec(text);
  if (!m) throw new TributaryError('TD_ENDPOINT', `Invalid endpoint: ${text}`);
  const host = (m[1] as string).replace(/^\[|\]$/g, '');
  const port = m[2] ? Number(m[2]) : ssl ? 443 : 80;
  return { ssl, host, port, basePath: '' };
}

export function endpointUrl(ep: Endpoint): string {
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  return `${ep.ssl ? 'https' : 'http'}://${host}:${ep.port}${ep.basePath}`;
}

/** Percent-encode one path segment like td-client-ruby (`.` becomes `%2E`). */
export function encodePathSegment(s: string): string {
  return encodeURIComponent(s).replace(/\./g, '%2E');
}
