// CORS for in_http (`cors_allow_origins`, `cors_allow_credentials`). Entries are exact origins,
// `*` (any origin) or origins with `*` wildcards (`https://*.example.com`), compiled once.
//
//   no Origin header, or CORS not configured   → allowed, no headers added
//   Origin matches                              → allowed; Access-Control-Allow-Origin: `*`
//                                                 (with `*` configured) or the origin echoed,
//                                                 plus Allow-Credentials when configured
//   Origin does not match                       → refused (the caller answers 403)

import { ConfigError } from '../../core/errors.js';

/** Flat header list as `writeHead` takes it: [name, value, name, value, ...]. */
export type HeaderList = string[];

const NONE: HeaderList = [];

export class CorsPolicy {
  readonly any: boolean;
  private readonly patterns: RegExp[];
  private readonly anyHeaders: HeaderList;

  constructor(
    origins: string[],
    private readonly credentials: boolean,
  ) {
    this.any = origins.includes('*');
    if (credentials && this.any) {
      throw new ConfigError(
        "Cannot enable cors_allow_credentials with '*' in cors_allow_origins: list the origins",
      );
    }
    this.patterns = origins.map((o) => {
      const parts = o.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      return new RegExp(`^${parts.join('.*')}$`);
    });
    this.anyHeaders = ['Access-Control-Allow-Origin', '*'];
  }

  /** Headers to echo for this Origin, or undefined when the origin is refused. */
  check(origin: string | undefined): HeaderList | undefined {
    if (origin === undefined) return NONE;
    if (this.any) return this.anyHeaders;
    if (!this.patterns.some((re) => re.test(origin))) return undefined;
    const h: HeaderList = ['Access-Control-Allow-Origin', origin];
    if (this.credentials) h.push('Access-Control-Allow-Credentials', 'true');
    return h;
  }
}

/** The headers of a request that no CORS policy applies to. */
export const NO_CORS_HEADERS: HeaderList = NONE;
