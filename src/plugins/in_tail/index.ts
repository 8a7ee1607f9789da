// in_tail: follows files line by line, through every kind of rotation, and never moves a saved
// position past events that are not yet durable (spec plugins §4; users' pains §1.1).
//
//   paths.ts   which files (globs, strftime, excludes)      pos-file.ts  Fluentd's position file
//   tracker.ts path ↔ inode, rotation, restart recovery      reader.ts    one file: read, emit, commit
//   scheduler.ts fair, bounded reading + backpressure        line-buffer.ts bytes → lines, long lines
//   events.ts  lines → events, multiline                    copies.ts    copytruncate copies
//   dir-watch.ts inotify per directory                       group.ts     <group> rate limits
//
// Change detection: inotify on each watched directory (writes schedule a read, renames re-stat
// the path) plus, with enable_watch_timer, a stat of every path once a second — no busy polling.

import { TextDecoder } from 'node:util';
import { compatParse } from '../../config/compat.js';
import type { ConfigElement } from '../../config/element.js';
import { ConfigError } from '../../core/errors.js';
import { validateTimezone } from '../../helpers/time-parser-zone.js';
import { Input } from '../../plugin/base.js';
import { createParser, type Parser } from '../../plugin/parser.js';
import '../parser_builtins.js';
import { DirWatcher } from './dir-watch.js';
import { LineConverter } from './events.js';
import { GroupLimiter } from './group.js';
import { BYTES_TO_READ, params } from './params.js';
import { type GlobPolicy, PathExpander, tagFunction, usesGlob } from './paths.js';
import { PositionFile } from './pos-file.js';
import type { ReaderSettings } from './reader-host.js';
import { Tracker } from './tracker.js';

const DEFAULT_MAX_LINE = 16 * 1024 * 1024;
const RESERVED = ['/', '*', '%'];
/** pos_file paths of running sources (two sources sharing one corrupt it: fluent/fluentd#1720). */
const posFilesInUse = new Map<string, string>();

type Decode = (buf: Buffer, s: number, e: number) => string;

function makeDecoder(encoding: string | undefined, from: string | undefined): Decode {
  const name = from ?? encoding;
  const utf8: Decode = (b, s, e) => b.toString('utf8', s, e);
  if (name === undefined) return utf8;
  const norm = name.toLowerCase();
  if (norm === 'ascii-8bit' || norm === 'binary') return (b, s, e) => b.toString('latin1', s, e);
  let td: TextDecoder;
  try {
    td = new TextDecoder(name);
  } catch {
    throw new ConfigError(`unknown encoding name - ${name}`);
  }
  if (td.encoding === 'utf-8') return utf8;
  if (td.encoding.startsWith('utf-16')) {
    throw new ConfigError(
      `encoding ${name}: lines are split on the byte 0x0a, so UTF-16 files are not supported`,
    );
  }
  return (b, s, e) => td.decode(b.subarray(s, e));
}

export class TailInput extends Input<typeof params> {
  static override readonly type = 'tail';
  static override readonly params = params;
  static readonly desc = 'Follows files line by line (rotation-safe; positions saved only once durable).';
  static readonly example =
    '<source>\n  @type tail\n  path /var/log/app/*.log\n  pos_file /var/log/td-agent/app.pos\n  tag app.*\n  <parse>\n    @type none\n  </parse>\n</source>';

  private parser!: Parser<any>;
  private paths: string[] = [];
  private settings!: ReaderSettings;
  private tracker: Tracker | undefined;
  private pos: PositionFile | undefined;
  private expander!: PathExpander;
  private dirs: DirWatcher | undefined;
  private globDirs = new Set<string>();
  private timers: NodeJS.Timeout[] = [];
  private earlyRefresh: NodeJS.Timeout | undefined;
  private synced = false;
  private running = false;

  override configure(el: ConfigElement): void {
    compatParse(el);
    super.configure(el);
    const c = this.config;
    const parseEl = el.children('parse')[0];
    if (!parseEl) throw new ConfigError('<parse> section is required.', { pos: el.pos });
    if (!c.enable_watch_timer && !c.enable_stat_watcher) {
      throw new ConfigError('either of enable_watch_timer or enable_stat_watcher must be true');
    }
    if (c.glob_policy === 'always' && c.path_delimiter === ',') {
      throw new ConfigError('cannot use glob_policy as always with the default path_delimiter: `,"');
    }
    if (c.glob_policy === 'extended' && /\{.*,.*\}/.test(c.path) && usesGlob(c.path, 'extended')) {
      throw new ConfigError(
        `cannot include curly braces with glob patterns in \`${c.path}". Use glob_policy always instead.`,
      );
    }
    if (RESERVED.includes(c.path_delimiter)) {
      throw new ConfigError(`${RESERVED.join(', ')} are reserved words: ${c.path_delimiter}`);
    }
    this.paths = [...new Set(c.path.split(c.path_delimiter).map((p) => p.trim()))].filter((p) => p !== '');
    if (this.paths.length === 0) throw new ConfigError("tail: 'path' parameter is required on tail input");
    if (c.path_timezone !== undefined) validateTimezone(c.path_timezone);
    if (c.pos_file === undefined) {
      if (c.follow_inodes)
        throw new ConfigError("Can't follow inodes without pos_file configuration parameter");
      this.log.warn("'pos_file PATH' parameter is not set to a 'tail' source.");
      this.log.warn('this parameter is highly recommended to save the position to resume tailing.');
    }
    if (c.encoding === undefined && c.from_encoding !== undefined) {
      throw new ConfigError("tail: 'from_encoding' parameter must be specified with 'encoding' parameter.");
    }
    if (c.encoding !== undefined && c.encoding === c.from_encoding) {
      this.log.warn("'encoding' and 'from_encoding' are same encoding. No effect");
    }
    const decode = makeDecoder(c.encoding, c.from_encoding);
    let bytesPerSecond = c.read_bytes_limit_per_second;
    if (bytesPerSecond > 0) {
      if (!c.enable_watch_timer) {
        throw new ConfigError('Need to enable watch timer when using log throttling feature');
      }
      if (bytesPerSecond < BYTES_TO_READ) {
        this.log.warn(
          `Should specify greater equal than ${BYTES_TO_READ}. Use ${BYTES_TO_READ} for read_bytes_limit_per_second`,
        );
        bytesPerSecond = BYTES_TO_READ;
      }
    }
    if (c.read_lines_limit < 1) throw new ConfigError('read_lines_limit must be at least 1');
    if (c.max_open_files < 1) throw new ConfigError('max_open_files must be at least 1');
    this.parser = createParser(this.ctx, parseEl);
    const parserFlush = (this.parser.config as { multiline_flush_interval?: number })
      .multiline_flush_interval;
    const flush = c.multiline_flush_interval ?? parserFlush;
    this.settings = {
      readLinesLimit: c.read_lines_limit,
      rotateWaitMs: c.rotate_wait * 1000,
      openOnEveryUpdate: c.open_on_every_update,
      bytesPerSecond,
      multilineFlushMs: flush !== undefined ? flush * 1000 : undefined,
      decode,
    };
    this.expander = new PathExpander(
      {
        paths: this.paths,
        excludes: c.exclude_path,
        globPolicy: c.glob_policy as GlobPolicy,
        limitRecentlyModified: c.limit_recently_modified,
        pathTimezone: c.path_timezone,
        ignoreRepeatedPermissionError: c.ignore_repeated_permission_error,
      },
      this.log,
    );
    if (c.group) {
      try {
        new GroupLimiter(c.group);
      } catch (e) {
        throw new ConfigError((e as Error).message);
      }
    }
  }

  override async start(): Promise<void> {
    const c = this.config;
    if (c.pos_file !== undefined) {
      const other = posFilesInUse.get(c.pos_file);
      if (other !== undefined) {
        throw new ConfigError(
          `Other 'in_tail' plugin already use same pos_file path: plugin_id = ${other}, pos_file path = ${c.pos_file}`,
        );
      }
      posFilesInUse.set(c.pos_file, this.ctx.id);
    }
    const sys = this.ctx.system;
    this.pos = PositionFile.open(c.pos_file, {
      fileMode: sys.filePermission,
      dirMode: sys.dirPermission,
      log: this.log,
    });
    const converter = new LineConverter({
      parser: this.parser,
      emitUnmatched: c.emit_unmatched_lines,
      pathKey: c.path_key,
      log: this.log,
    });
    const tracker = new Tracker({
      settings: this.settings,
      log: this.log,
      converter,
      emitter: this.emitter,
      pos: this.pos,
      readFromHead: c.read_from_head,
      maxLineSize: c.max_line_size ?? DEFAULT_MAX_LINE,
      truncateLongLines: c.long_line_action === 'truncate',
      maxOpenFiles: c.max_open_files,
      multiline: converter.multiline !== undefined,
      tagFor: tagFunction(c.tag),
      groups: c.group ? new GroupLimiter(c.group) : undefined,
      watchTimer: c.enable_watch_timer,
      globbing: this.paths.some((p) => usesGlob(p, c.glob_policy as GlobPolicy)),
    });
    this.tracker = tracker;
    this.running = true;
    if (c.enable_stat_watcher) {
      this.dirs = new DirWatcher((d, n, k) => this.onDirEvent(d, n, k), this.log);
      tracker.index.dirs = this.dirs;
      for (const d of this.expander.watchDirs()) {
        this.globDirs.add(d);
        this.dirs.add(d);
      }
    }
    tracker.load();
    if (!c.skip_refresh_on_startup) this.refresh(true);
    const tickMs = c.rotate_wait < 1 ? 250 : 1000;
    this.every(tickMs, () => tracker.tick(Date.now()));
    this.every(c.refresh_interval * 1000, () => this.refresh(true));
    if (c.pos_file_compaction_interval !== undefined && c.pos_file !== undefined) {
      this.every(c.pos_file_compaction_interval * 1000, () => {
        this.log.info('Clean up the pos file');
        tracker.pruneReleased();
        this.pos?.rewrite([...this.liveEntries()]);
      });
    }
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(
      () => {
        try {
          fn();
        } catch (e) {
          this.log.error('in_tail timer failed', { error: e as Error });
        }
      },
      Math.max(10, ms),
    );
    t.unref();
    this.timers.push(t);
  }

  private *liveEntries() {
    const seen = new Set<unknown>();
    for (const r of this.tracker?.readers.values() ?? []) {
      if (!r.entry.removed && !seen.has(r.entry)) {
        seen.add(r.entry);
        yield r.entry;
      }
    }
    yield* this.tracker?.releasedEntries() ?? [];
  }

  /** Re-expands the paths; `full` also forgets closed files that are gone. */
  private refresh(full: boolean): void {
    const t = this.tracker;
    if (!t || !this.running) return;
    const targets = this.expander.expand();
    // a glob over the pos file's directory must not make us tail our own positions
    const pf = this.config.pos_file;
    if (pf !== undefined) for (const p of [pf, `${pf}.tmp`]) targets.delete(p);
    t.sync(targets);
    this.synced = true;
    if (full) t.pruneReleased();
  }

  private onDirEvent(dir: string, name: string | null, kind: 'change' | 'rename'): void {
    this.tracker?.onDirEvent(dir, name, kind);
    if (kind !== 'rename' || !this.synced || !this.globDirs.has(dir) || this.earlyRefresh) return;
    // a file appeared or vanished where a path or glob points: look now, not at refresh_interval
    this.earlyRefresh = setTimeout(() => {
      this.earlyRefresh = undefined;
      this.refresh(false);
    }, 100);
    this.earlyRefresh.unref();
  }

  /** Counters for monitoring (Fluentd's names first). */
  statistics(): Record<string, number> {
    const t = this.tracker;
    if (!t) return {};
    const s = t.stats;
    return {
      opened_file_count: s.opened,
      closed_file_count: s.closed,
      rotated_file_count: s.rotated,
      throttled_log_count: s.throttled,
      tracked_file_count: t.watchers.size,
      open_file_descriptors: t.fds.open,
      open_file_descriptors_peak: t.fds.peak,
      open_files_limit: this.config.max_open_files,
      readers: t.readers.size,
      truncated_file_count: s.truncated,
      lines_read: s.linesRead,
      bytes_read: s.bytesRead,
      events_emitted: s.eventsEmitted,
      events_dropped: s.eventsDropped,
      emit_retries: s.emitRetries,
      long_lines: s.longLines,
      unmatched_lines: t.converter.counters.unmatched,
      invalid_lines: t.converter.counters.invalid,
      recovered_rotations: s.recoveredRotations,
      copytruncate_copies: s.copiesFound,
      backpressure_pauses: t.scheduler.pauses,
      watched_directories: this.dirs?.count ?? 0,
    };
  }

  override async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.earlyRefresh) clearTimeout(this.earlyRefresh);
    this.dirs?.close();
    await this.tracker?.stop();
    this.pos?.close();
    if (this.config.pos_file !== undefined && posFilesInUse.get(this.config.pos_file) === this.ctx.id) {
      posFilesInUse.delete(this.config.pos_file);
    }
  }

  override async shutdown(): Promise<void> {
    await this.stop();
  }
}
