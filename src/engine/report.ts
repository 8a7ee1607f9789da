// How config and startup errors are reported, shared by the supervisor, workers and --dry-run.

import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/log.js';

export function describeError(e: unknown): string {
  if (e instanceof ConfigError) return e.fullText();
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

export function reportConfigError(log: Logger, file: string, e: unknown): void {
  if (e instanceof ConfigError) {
    log.error('config error', { file, error: e });
    if (e.context) log.error(e.context);
  } else {
    log.error('unexpected error while loading the configuration', { file, error: e as Error });
  }
}
