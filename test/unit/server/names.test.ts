import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clientNameProblem,
  isValidName,
  NameError,
  nameProblem,
  normalizeName,
  tagToDestination,
  validateName,
} from '../../../src/td/names.js';

test('normalizeName follows out_tdlog: lower-case, [^a-z0-9_] -> _, pad to 3, cut to 253 + __', () => {
  assert.equal(normalizeName('Test-DB'), 'test_db');
  assert.equal(normalizeName('a'), 'a__');
  assert.equal(normalizeName('ab'), 'ab_');
  assert.equal(normalizeName('www.access'), 'www_access');
  assert.equal(normalizeName('日本'), '___');
  const long = normalizeName('x'.repeat(300));
  assert.equal(long.length, 255);
  assert.ok(long.endsWith('__'));
  assert.equal(long.slice(0, 253), 'x'.repeat(253));
  assert.throws(() => normalizeName(''), NameError);
});

test('tagToDestination takes the last two tag parts', () => {
  assert.deepEqual(tagToDestination('td.testdb.www_access'), { database: 'testdb', table: 'www_access' });
  assert.deepEqual(tagToDestination('td.a.b.c'), { database: 'b__', table: 'c__' });
  assert.equal(tagToDestination('single'), undefined);
});

test("validateName gives TD's server message", () => {
  assert.equal(validateName('testdb'), 'testdb');
  assert.throws(
    () => validateName('ab'),
    (e: unknown) =>
      e instanceof NameError &&
      e.message === "Name must be 3 to 256 characters, got 2 characters. name = 'ab'",
  );
  assert.match(nameProblem('Bad-Name') ?? '', /lower-case letters, digits and '_'.*name = 'Bad-Name'/);
  assert.equal(nameProblem('x'.repeat(256)), undefined, 'the server accepts 256');
  assert.equal(isValidName('x'.repeat(256)), false, 'clients stop at 255');
  assert.equal(isValidName('www_access'), true);
});

test('clientNameProblem uses the td-client-ruby wording', () => {
  assert.equal(
    clientNameProblem('database', 'a'),
    'Database name must be between 3 and 255 characters long. Got 1 character.',
  );
  assert.equal(
    clientNameProblem('table', 'A_B'),
    "Table name must only consist of lower-case alpha-numeric characters and '_'.",
  );
  assert.equal(clientNameProblem('table', 'abc'), undefined);
});
