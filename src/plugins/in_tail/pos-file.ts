// The position file: where each tailed file has been read up to, in Fluentd's format, so a
// Fluentd pos file is picked up as is and Fluentd can read ours (docs/formats/pos-file.md).
//
//   /var/log/app.log\t0000000000001a2b\t00000000000c3f1e\n
//   ^ path           ^ pos: 16 hex      ^ inode: 16 hex
//   /var/log/old.log\tffffffffffffffff\t00000000000c3f00\n      unwatched (dropped at load)
//   \n                                                          filler (see below)
//
// - Lines never move while the file is open: an update overwrites the 16 (or 33) bytes of the
//   pos (and inode) fields in place with one pwrite. A new file appends one line.
// - A pwrite that spans two pages can be torn by SIGKILL (the kernel checks for fatal signals
//   between pages), so empty filler lines are inserted before a line whose pos+inode fields
//   would cross a 4 KiB boundary: every update touches a single page and a crash leaves either
//   the old or the new value. Fluentd skips such lines with a warning when it loads the file.
// - Rewrites (load-time and periodic compaction) go to `<pos_file>.tmp`, are fsynced and
//   renamed over the file, so a crash at any point leaves the old file or the new one whole.
// - Fields are lowercase hex. Older Fluentd wrote 8-hex inodes; any width is accepted on load.
// - Without `pos_file` the same API keeps entries in memory only.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../core/log.js';

export const UNWATCHED = 'ffffffffffffffff';
const ENTRY_RE = /^([^\t]+)\t([0-9a-fA-F]+)\t([0-9a-fA-F]+)/;
const PAGE = 4096;
const FIELDS = 33; // 16 hex, tab, 16 hex

/** One line of the file. `offset` is the byte offset of its pos field (-1 in memory). */
export interface PosEntry {
  path: string;
  pos: number;
  ino: number;
  offset: number;
  removed: boolean;
}

export interface LoadedEntry {
  path: string;
  pos: number;
  ino: number;
}

export function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}

/** Parses file text into entries: unwatched lines dropped, unparsable lines reported. */
export function parsePosText(text: string, onBad?: (line: string) => void): LoadedEntry[] {
  const out: LoadedEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = ENTRY_RE.exec(line);
    if (!m) {
      onBad?.(line);
      continue;
    }
    if (m[2]!.toLowerCase() === UNWATCHED) continue;
    out.push({ path: m[1]!, pos: Number.parseInt(m[2]!, 16), ino: Number.parseInt(m[3]!, 16) });
  }
  return out;
}

export class PositionFile {
  private fd: number | undefined;
  /** Bytes in the file (where the next line goes). */
  private size = 0;
  private entries = new Set<PosEntry>();
  /** Lines marked unwatched since the last rewrite. */
  removedLines = 0;
  /** The file's mtime when it was opened (0 if new or in memory): positions are older than this. */
  readonly mtimeAtOpen: number;
  readonly loaded: LoadedEntry[];

  private constructor(
    readonly file: string | undefined,
    private readonly fileMode: number,
    private readonly log: Logger | undefined,
  ) {
    if (file === undefined) {
      this.mtimeAtOpen = 0;
      this.loaded = [];
      return;
    }
    let text = '';
    let mtime = 0;
    try {
      text = fs.readFileSync(file, 'utf8');
      mtime = fs.statSync(file).mtimeMs;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    this.mtimeAtOpen = mtime;
    this.loaded = parsePosText(text, (line) => this.log?.warn(`Unparsable line in pos_file: ${line}`));
  }

  /** Opens (creating the directory) and parses `file`; undefined = in memory. */
  static open(file: string | undefined, opts: { fileMode: number; dirMode: number; log?: Logger }) {
    if (file !== undefined) fs.mkdirSync(path.dirname(file), { recursive: true, mode: opts.dirMode });
    return new PositionFile(file, opts.fileMode, opts.log);
  }

  get inMemory(): boolean {
    return this.file === undefined;
  }

  /** Number of live lines. */
  get count(): number {
    return this.entries.size;
  }

  /** Replaces the file with exactly these entries (compaction); they get fresh offsets. */
  rewrite(list: PosEntry[]): void {
    this.entries = new Set(list);
    this.removedLines = 0;
    if (this.file === undefined) return;
    const parts: Buffer[] = [];
    let size = 0;
    for (const e of list) {
      const line = this.lineFor(e, size);
      e.offset = line.offset;
      parts.push(line.bytes);
      size += line.bytes.length;
    }
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, 'w', this.fileMode);
    try {
      if (size > 0) fs.writeSync(fd, Buffer.concat(parts, size), 0, size, 0);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    syncDir(path.dirname(this.file));
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'r+');
    this.size = size;
  }

  /** Appends a line for a newly tracked file. */
  add(file: string, pos: number, ino: number): PosEntry {
    const e: PosEntry = { path: file, pos, ino, offset: -1, removed: false };
    this.entries.add(e);
    if (this.fd !== undefined) {
      const line = this.lineFor(e, this.size);
      fs.writeSync(this.fd, line.bytes, 0, line.bytes.length, this.size);
      e.offset = line.offset;
      this.size += line.bytes.length;
    }
    return e;
  }

  /** Overwrites the position (and the inode, when it changes) in place. */
  update(e: PosEntry, pos: number, ino = e.ino): void {
    if (e.removed || (pos === e.pos && ino === e.ino)) return;
    const inoChanged = ino !== e.ino;
    e.pos = pos;
    e.ino = ino;
    if (this.fd === undefined || e.offset < 0) return;
    const text = inoChanged ? `${hex16(pos)}\t${hex16(ino)}` : hex16(pos);
    fs.writeSync(this.fd, Buffer.from(text, 'latin1'), 0, text.length, e.offset);
  }

  /** Marks the line unwatched (`ffffffffffffffff`, inode kept). */
  remove(e: PosEntry): void {
    if (e.removed) return;
    e.removed = true;
    this.entries.delete(e);
    this.removedLines++;
    if (this.fd !== undefined && e.offset >= 0) {
      fs.writeSync(this.fd, Buffer.from(UNWATCHED, 'latin1'), 0, 16, e.offset);
    }
  }

  /** Moves an entry to a new path (a rotated file's new name): a new line, the old one unwatched. */
  relocate(e: PosEntry, file: string): PosEntry {
    if (e.path === file || e.removed) return e;
    const n = this.add(file, e.pos, e.ino);
    this.remove(e);
    return n;
  }

  /** Rewrites the file when unwatched lines dominate (keeps it small under heavy rotation). */
  maybeCompact(): boolean {
    if (this.removedLines < 64 || this.removedLines < this.entries.size) return false;
    this.rewrite([...this.entries]);
    return true;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /** The bytes of e's line written at `at`, after filler lines when its fields would cross a page. */
  private lineFor(e: PosEntry, at: number): { bytes: Buffer; offset: number } {
    const head = Buffer.byteLength(e.path) + 1;
    const fieldStart = at + head;
    const endPage = Math.floor((fieldStart + FIELDS - 1) / PAGE);
    const pad = Math.floor(fieldStart / PAGE) === endPage ? 0 : endPage * PAGE - fieldStart;
    const text = `${'\n'.repeat(pad)}${e.path}\t${hex16(e.pos)}\t${hex16(e.ino)}\n`;
    return { bytes: Buffer.from(text), offset: fieldStart + pad };
  }
}

function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // some filesystems refuse fsync on directories; the rename is still atomic
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
