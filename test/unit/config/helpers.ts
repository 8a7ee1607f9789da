// Shared helpers for the config parser tests (not a test file itself).

import assert from 'node:assert/strict';
import type { ConfigElement } from '../../../src/config/element.js';
import { type ParseOptions, parseConfig } from '../../../src/config/parser.js';
import { ConfigError, ConfigParseError } from '../../../src/core/errors.js';

export const ENV = { HOME: '/home/td', EMPTY: '', PORT: '24224', NAME: ' Mixed Case ' };

export function parse(text: string, opts: ParseOptions = {}): ConfigElement {
  return parseConfig(text, 'test.conf', { env: ENV, hostname: 'host1', workerId: '', ...opts });
}

/** The stored value of `key` on the root after parsing `text`. */
export function value(text: string, key: string, opts: ParseOptions = {}): string | null | undefined {
  const root = parse(text, opts);
  assert.ok(root.params.has(key), `no param ${key}; have ${[...root.params.keys()].join(',')}`);
  return root.params.get(key)!.value;
}

/** The ConfigParseError that parsing `text` throws. */
export function parseError(text: string, opts: ParseOptions = {}): ConfigParseError {
  try {
    parse(text, opts);
  } catch (e) {
    assert.ok(e instanceof ConfigParseError, `expected ConfigParseError, got ${(e as Error)?.stack ?? e}`);
    return e;
  }
  return assert.fail(`expected a parse error for ${JSON.stringify(text)}`);
}

export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${(e as Error)?.stack ?? e}`);
    return e;
  }
  return assert.fail('expected a ConfigError');
}

/** Warnings collected through ParseOptions.warn. */
export function collectWarnings(): { warn: NonNullable<ParseOptions['warn']>; list: string[] } {
  const list: string[] = [];
  return { warn: (m) => list.push(m), list };
}
