// API keys: `<account number>/<40 lower-case hex>` (TD's shape), stored only as SHA-256 hashes in
// `<data>/apikeys.json` (mode 0600), so `td-server apikey:*` can manage them while the server runs
// (the server re-reads the file when it changes, checked at most once a second).
//
//   apikeys.json: {"version":1, "account_id":1, "created_at":"<ISO>",
//                  "keys":[{"id":1, "sha256":"<hex>", "hint":"1/3f2a…", "admin":true,
//                           "created_at":"<ISO>", "revoked_at":null}]}
//
// The administrator key made at first start is also written to `<data>/admin.apikey` (0600) so
// local tooling (`npm start`) can read it. Keys themselves never reach a log line.

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface ApiKeyEntry {
  id: number;
  sha256: string;
  /** Account and the first 4 hex digits, for listings. */
  hint: string;
  admin: boolean;
  created_at: string;
  revoked_at: string | null;
}

interface KeyFile {
  version: 1;
  account_id: number;
  created_at: string;
  keys: ApiKeyEntry[];
}

export const KEYS_FILE = 'apikeys.json';
export const ADMIN_KEY_FILE = 'admin.apikey';
const KEY_SHAPE = /^\d+\/[0-9a-f]{40}$/;

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export class KeyStore {
  private data: KeyFile;
  private byHash = new Map<string, ApiKeyEntry>();
  /** mtime, inode and size of the file last read (a rewrite renames a new inode in). */
  private version = '';
  private checkedAt = 0;
  readonly file: string;

  constructor(readonly dataDir: string) {
    this.file = path.join(dataDir, KEYS_FILE);
    this.data = { version: 1, account_id: 1, created_at: new Date().toISOString(), keys: [] };
    this.reload();
  }

  get accountId(): number {
    return this.data.account_id;
  }

  get createdAt(): string {
    return this.data.created_at;
  }

  private reload(): void {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file);
    } catch {
      return; // no file yet: no keys
    }
    const version = `${st.mtimeMs}:${st.ino}:${st.size}`;
    if (version === this.version) return;
    const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as KeyFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.keys))
      throw new Error(`${this.file}: unsupported key file`);
    this.data = parsed;
    this.version = version;
    this.byHash = new Map(parsed.keys.filter((k) => !k.revoked_at).map((k) => [k.sha256, k]));
  }

  private save(): void {
    writeAtomic(this.file, JSON.stringify(this.data, null, 2) + '\n');
    this.version = '';
    this.reload();
  }

  /** Create a key (re-reading the file first, so concurrent managers do not lose keys). */
  create(opts: { admin?: boolean } = {}): { key: string; entry: ApiKeyEntry } {
    this.version = '';
    this.reload();
    const key = `${this.data.account_id}/${randomBytes(20).toString('hex')}`;
    const entry: ApiKeyEntry = {
      id: this.data.keys.reduce((m, k) => Math.max(m, k.id), 0) + 1,
      sha256: hashKey(key),
      hint: `${key.slice(0, key.indexOf('/') + 5)}…`,
      admin: opts.admin ?? false,
      created_at: new Date().toISOString(),
      revoked_at: null,
    };
    this.data.keys.push(entry);
    this.save();
    return { key, entry };
  }

  /**
   * At first start: make the administrator key, write it to admin.apikey and return it (to be
   * shown once). Undefined when an administrator key was made before (even if since revoked).
   */
  ensureAdmin(): string | undefined {
    if (this.data.keys.some((k) => k.admin)) return undefined;
    const { key } = this.create({ admin: true });
    writeAtomic(path.join(this.dataDir, ADMIN_KEY_FILE), key + '\n');
    return key;
  }

  list(): ApiKeyEntry[] {
    this.version = '';
    this.reload();
    return this.data.keys.map((k) => ({ ...k }));
  }

  /** Revoke by full key or by listed id. Returns the entry, or undefined if none matched. */
  revoke(keyOrId: string): ApiKeyEntry | undefined {
    this.version = '';
    this.reload();
    const entry = /^\d+$/.test(keyOrId)
      ? this.data.keys.find((k) => k.id === Number(keyOrId))
      : this.data.keys.find((k) => k.sha256 === hashKey(keyOrId));
    if (!entry) return undefined;
    if (!entry.revoked_at) {
      entry.revoked_at = new Date().toISOString();
      this.save();
    }
    return entry;
  }

  /** The key named by an `Authorization: TD1 <key>` header, or undefined. */
  authenticate(header: string | undefined, now = Date.now()): ApiKeyEntry | undefined {
    if (!header) return undefined;
    const m = /^TD1\s+(\S+)\s*$/i.exec(header);
    if (!m || !KEY_SHAPE.test(m[1]!)) return undefined;
    if (now - this.checkedAt >= 1000) {
      this.checkedAt = now;
      try {
        this.reload();
      } catch {
        // keep the last good set of keys
      }
    }
    return this.byHash.get(hashKey(m[1]!));
  }
}
