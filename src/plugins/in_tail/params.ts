// in_tail parameters (spec plugins §4.1), Fluentd's names and defaults, plus the few
// Tributary additions marked "(Tributary)". The <parse> section is read by the plugin itself
// (createParser) so every parser, `multiline` included, is accepted.

import { p } from '../../config/params.js';

/** Fluentd's default <group> pattern: Kubernetes /var/log/containers file names. */
export const DEFAULT_GROUP_PATTERN =
  /^\/var\/log\/containers\/(?<podname>[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)_(?<namespace>[^_]+)_(?<container>.+)-(?<docker_id>[a-z0-9]{64})\.log$/;

/** Fluentd's 64 KiB read size; also the floor of read_bytes_limit_per_second. */
export const BYTES_TO_READ = 64 * 1024;

export const groupParams = {
  pattern: p.regexp({
    default: DEFAULT_GROUP_PATTERN,
    desc: "Regexp with named captures extracting a file's group metadata from its path.",
  }),
  rate_period: p.time({ default: 5, desc: 'Period over which a rule limit applies.' }),
  rule: p.section(
    {
      match: p.hash()({ desc: 'Capture name → regexp; a file matches when every one matches.' }),
      limit: p.integer({ default: -1, desc: 'Lines per rate_period for the whole group (-1: no limit).' }),
    },
    { multi: true, required: true, desc: 'A group and its line limit.' },
  ),
} as const;

export const params = {
  path: p.string({
    required: true,
    desc: 'Paths to read, separated by path_delimiter; `*` globs and strftime (%Y...) allowed.',
  }),
  path_delimiter: p.string({ default: ',', desc: 'Separator of the path list (not `/`, `*` or `%`).' }),
  glob_policy: p.enum(['backward_compatible', 'extended', 'always'] as const)({
    default: 'backward_compatible',
    desc: 'Which characters make a path a glob: `*` only; also `?` and `[]`; also `{a,b}`.',
  }),
  tag: p.string({
    required: true,
    desc: 'Tag of the events; a `*` is replaced by the file path with `/` turned into `.`.',
  }),
  exclude_path: p.array()({ default: [], desc: 'Paths or globs (strftime applied) never read.' }),
  rotate_wait: p.time({
    default: 5,
    desc: 'How long a rotated or deleted file stays open after it was read to its end.',
  }),
  pos_file: p.string({ desc: 'Where read positions are kept (Fluentd format). Strongly recommended.' }),
  pos_file_compaction_interval: p.time({
    desc: 'Rewrite the pos file at this interval, dropping lines of files no longer tracked.',
  }),
  read_from_head: p.bool({
    default: false,
    desc: 'Read files found at startup without a position from the head instead of the end.',
  }),
  refresh_interval: p.time({ default: 60, desc: 'How often paths and globs are expanded again.' }),
  read_lines_limit: p.integer({ default: 1000, desc: 'Lines per emitted batch.' }),
  read_bytes_limit_per_second: p.size({
    default: -1,
    desc: 'Read at most this many bytes per file per second (raised to 65536 if lower; -1: no limit).',
  }),
  max_line_size: p.size({
    desc: 'Longer lines are skipped (or truncated, see long_line_action) and counted. Default: 16 MiB.',
  }),
  long_line_action: p.enum(['skip', 'truncate'] as const)({
    default: 'skip',
    desc: '(Tributary) What to do with a line longer than max_line_size.',
  }),
  multiline_flush_interval: p.time({
    desc: 'Emit a pending multiline event after this long without a new line.',
  }),
  emit_unmatched_lines: p.bool({
    default: false,
    desc: 'Emit lines the parser rejects as {"unmatched_line": line} with the current time.',
  }),
  enable_watch_timer: p.bool({ default: true, desc: 'Check every file once a second.' }),
  enable_stat_watcher: p.bool({ default: true, desc: 'React to inotify events on the directories.' }),
  encoding: p.string({ desc: 'Encoding of the lines (default: bytes as UTF-8).' }),
  from_encoding: p.string({ desc: 'Encoding of the file, converted to `encoding`.' }),
  path_key: p.string({ desc: 'Add the file path to each record under this key.' }),
  open_on_every_update: p.bool({
    default: false,
    desc: 'Open and close the file for every read instead of keeping it open.',
  }),
  limit_recently_modified: p.time({ desc: 'Ignore glob matches modified longer ago than this.' }),
  skip_refresh_on_startup: p.bool({
    default: false,
    desc: 'Do not expand paths at startup; wait for the first refresh_interval.',
  }),
  ignore_repeated_permission_error: p.bool({
    default: false,
    desc: 'Warn about an unreadable file only once.',
  }),
  path_timezone: p.string({ desc: 'Zone used to format strftime paths (e.g. +09:00, Asia/Tokyo).' }),
  follow_inodes: p.bool({
    default: false,
    desc: 'Track files by inode (needs pos_file). Tributary always identifies files by inode.',
  }),
  max_open_files: p.integer({
    default: 4096,
    desc: '(Tributary) Upper bound on descriptors held open; idle files are closed first.',
  }),
  group: p.section(groupParams, { desc: 'Per-group line rate limits.' }),
} as const;
