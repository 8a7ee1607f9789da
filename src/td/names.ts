// Treasure Data database and table name rules (spec/treasure-data.md §1.1, §4), shared by
// out_tdlog (normalizes names taken from tags), the `td` CLI (validates before calling) and
// td-server (validates on create and answers 400 with TD's message).
//
//   valid name   : 3..255 chars, only [a-z0-9_]   (the server message says "3 to 256"; the
//                  server accepts up to 256, clients and normalization stop at 255)
//   normalized   : lower-case; every char outside [a-z0-9_] -> '_'; shorter than 3 -> right-pad '_';
//                  longer than 255 -> first 253 chars + '__'; empty -> error

import { TributaryError } from '../core/errors.js';

export const NAME_MIN = 3;
/** Longest name clients create and normalization produces. */
export const NAME_MAX = 255;
/** Longest name the server accepts (TD's server message reads "3 to 256"). */
export const SERVER_NAME_MAX = 256;

const VALID = /^[a-z0-9_]+$/;

/** A database/table name that breaks the rules; `message` is TD's server text. */
export class NameError extends TributaryError {
  readonly badName: string;
  constructor(message: string, badName: string) {
    super('TD_NAME', message);
    this.badName = badName;
  }
}

/** The message td-server answers with 400, or undefined when the name is fine. */
export function nameProblem(name: string, max = SERVER_NAME_MAX): string | undefined {
  if (name.length < NAME_MIN || name.length > max) {
    return `Name must be 3 to 256 characters, got ${name.length} characters. name = '${name}'`;
  }
  if (!VALID.test(name)) {
    return `Name must consist only of lower-case letters, digits and '_'. name = '${name}'`;
  }
  return undefined;
}

/** Throws NameError (TD's server message) when `name` is not a valid database/table name. */
export function validateName(name: string, max = NAME_MAX): string {
  const problem = nameProblem(name, max);
  if (problem) throw new NameError(problem, name);
  return name;
}

/** True when `name` is a valid database/table name (client rule, 3..255). */
export function isValidName(name: string): boolean {
  return nameProblem(name, NAME_MAX) === undefined;
}

/**
 * The td-client-ruby wording for a locally rejected name (what the `td` CLI prints before any
 * call), e.g. "Database name must be between 3 and 255 characters long. Got 2 characters.".
 */
export function clientNameProblem(target: 'database' | 'table', name: string): string | undefined {
  const cap = target === 'database' ? 'Database' : 'Table';
  if (name.length < NAME_MIN || name.length > NAME_MAX) {
    const unit = name.length === 1 ? 'character' : 'characters';
    return `${cap} name must be between ${NAME_MIN} and ${NAME_MAX} characters long. Got ${name.length} ${unit}.`;
  }
  if (!VALID.test(name)) {
    return `${cap} name must only consist of lower-case alpha-numeric characters and '_'.`;
  }
  return undefined;
}

/**
 * out_tdlog's normalization of a name taken from a tag part: never rejects except when empty.
 * `td.Test-DB.x` -> database `test_db`, table `x__`.
 */
export function normalizeName(name: string): string {
  if (name.length === 0) throw new NameError('Empty name is not allowed', name);
  let s = name.toLowerCase().replace(/[^a-z0-9_]/gu, '_');
  if (s.length < NAME_MIN) s = s.padEnd(NAME_MIN, '_');
  if (s.length > NAME_MAX) s = s.slice(0, NAME_MAX - 2) + '__';
  return s;
}

/** out_tdlog's destination for a tag: the last two dot-separated parts, normalized. */
export function tagToDestination(tag: string): { database: string; table: string } | undefined {
  const parts = tag.split('.');
  if (parts.length < 2) return undefined;
  return {
    database: normalizeName(parts[parts.length - 2]!),
    table: normalizeName(parts[parts.length - 1]!),
  };
}
