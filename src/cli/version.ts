// The package version, read once from package.json (dist/src/cli/ → repo root).
import * as fs from 'node:fs';

export const VERSION: string = (
  JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** The Fluentd release whose behaviour we follow. */
export const FLUENTD_COMPAT = '1.16.10';
