// Request path → tag: the path without its query, percent-decoded, empty segments dropped and
// '/' → '.', then `add_tag_prefix` in front. `/td.testdb.www_access` → `td.testdb.www_access`,
// `//app//log/` → `app.log`. An empty result is a client error (the caller answers 400).
//
// Clients post to a handful of paths, so results are cached by the raw path; the cache is
// bounded (cleared when full) so that hostile clients cannot grow it.

const CACHE_MAX = 1024;

export class TagResolver {
  private readonly cache = new Map<string, string>();

  constructor(private readonly prefix: string | undefined) {}

  /** The tag for a request URL (`/a/b?x=1`), or '' when the path names none. */
  resolve(url: string, queryAt: number): string {
    const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
    const hit = this.cache.get(rawPath);
    if (hit !== undefined) return hit;
    const tag = this.compute(rawPath);
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(rawPath, tag);
    return tag;
  }

  private compute(rawPath: string): string {
    let path = rawPath;
    if (path.includes('%')) {
      try {
        path = decodeURIComponent(path);
      } catch {
        path = rawPath;
      }
    }
    let tag = '';
    for (const seg of path.split('/')) {
      if (seg !== '') tag = tag === '' ? seg : `${tag}.${seg}`;
    }
    if (tag === '' || !this.prefix) return tag;
    return `${this.prefix}.${tag}`;
  }
}
