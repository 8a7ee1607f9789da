// What the in_tail plugin (index.ts) gives the Tracker: settings, services and the
// per-path decisions (tag, <group> limits).
//
// Contract: plain data and callbacks, fixed for the Tracker's life.

import type { Logger } from '../../core/log.js';
import type { Emitter } from '../../plugin/types.js';
import type { LineConverter } from './events.js';
import type { GroupLimiter } from './group.js';
import type { PositionFile } from './pos-file.js';
import type { ReaderSettings } from './reader-host.js';

export interface TrackerOptions {
  settings: ReaderSettings;
  log: Logger;
  converter: LineConverter;
  emitter: Emitter;
  pos: PositionFile;
  readFromHead: boolean;
  maxLineSize: number;
  truncateLongLines: boolean;
  maxOpenFiles: number;
  multiline: boolean;
  tagFor: (path: string) => string;
  groups: GroupLimiter | undefined;
  watchTimer: boolean;
  /** Some `path` entry is a glob (closed files may be matched again under their new names). */
  globbing: boolean;
}
