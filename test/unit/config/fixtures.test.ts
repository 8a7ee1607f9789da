// Every fixture in test/config-fixtures: good ones parse, bad-*.conf fail with the first line of
// their bad-*.expected (file:line:col relative to the fixture directory). See its README.md.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ConfigElement } from '../../../src/config/element.js';
import { loadConfigFile } from '../../../src/config/parser.js';
import { ConfigError } from '../../../src/core/errors.js';

// dist/test/unit/config/ -> <repo>/test/config-fixtures
const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(here, '../../../../test/config-fixtures');
process.chdir(FIXTURES); // this test file runs in its own process under `node --test`

const OPTS = { env: {}, hostname: 'fixture-host', workerId: '' };
const load = (name: string): ConfigElement => loadConfigFile(name, OPTS);
const confs = fs
  .readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.conf'))
  .sort();
const good = confs.filter((f) => !f.startsWith('bad-'));
const bad = confs.filter((f) => f.startsWith('bad-'));

test('there are enough fixtures, and every bad one has its .expected', () => {
  assert.ok(good.length >= 10, `only ${good.length} good fixtures`);
  assert.ok(bad.length >= 15, `only ${bad.length} bad fixtures`);
  const expected = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.expected'));
  assert.deepEqual(expected.map((f) => f.replace(/\.expected$/, '.conf')).sort(), bad);
});

describe('good fixtures parse', () => {
  for (const f of good) test(f, () => assert.ok(load(f).elements.length > 0));
});

describe('bad fixtures fail with the expected message', () => {
  for (const f of bad) {
    test(f, () => {
      const want = fs.readFileSync(f.replace(/\.conf$/, '.expected'), 'utf8').split('\n')[0];
      assert.throws(
        () => load(f),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
          assert.equal(e.message, want);
          assert.ok(e.context, 'parse errors carry a source excerpt');
          return true;
        },
      );
    });
  }
});

const param = (el: ConfigElement, key: string) => el.params.get(key)?.value;

describe('what the good fixtures contain', () => {
  test('td-agent.conf: the package default', () => {
    const root = load('td-agent.conf');
    assert.deepEqual(
      root.elements.map((e) => e.head()),
      ['<match td.*.*>', '<match debug.**>', '<source>', '<source>', '<source>'],
    );
    const td = root.elements[0]!;
    assert.equal(param(td, '@type'), 'tdlog');
    assert.equal(param(td, 'auto_create_table'), '');
    assert.equal(param(td.children('buffer')[0]!, 'path'), '/var/log/td-agent/buffer/td');
    assert.equal(param(td.children('secondary')[0]!, 'path'), '/var/log/td-agent/failed_records');
  });

  test('quoting.conf: every quoting style', () => {
    const m = load('quoting.conf').elements[0]!;
    const expect: Record<string, string | null> = {
      unquoted: 'value with spaces',
      hash_in_value: 'foo#bar',
      starts_with_hash: '#not a comment',
      flag_alone: '',
      double: 'tab\there\nnewline "quoted" \\ backslash $ #{not ruby}',
      multi_line: 'first line\nsecond line',
      continued: 'one two',
      single: "C:\\path\\to\\file 'quoted' \\ #{not ruby}",
      env_default: 'fallback',
      env_or: 'or-fallback',
      env_missing: '[]',
      host: 'fixture-host/fixture-host',
      worker: 'w',
      nil_value: null,
      default_value: null,
      regexp_quoted: '/a #b/',
      regexp_unquoted: '/a',
      placeholder: '$' + '{tag}',
      'quoted key': 'v',
    };
    for (const [k, v] of Object.entries(expect)) assert.equal(param(m, k), v, k);
    assert.equal(m.params.get('default_value')!.useDefault, true);
    const root = load('quoting.conf');
    assert.equal(root.elements[1]!.arg, 'quoting.arg');
    assert.equal(root.elements[2]!.arg, 'spaced.**   other.**');
  });

  test('json-values.conf: compact JSON, comments dropped, embedded Ruby evaluated', () => {
    const root = load('json-values.conf');
    assert.equal(
      param(root.elements[0]!, 'sample'),
      '[{"message":"first","level":"info"},{"message":"second","level":"warn","tags":["a","b"]},{"message":"third # not a comment","n":1.5}]',
    );
    assert.equal(
      param(root.elements[2]!, 'headers'),
      '{"Authorization":"Bearer dummy","X-Host":"fixture-host"}',
    );
    const other = root.elements[3]!;
    assert.equal(param(other, 'literal_json'), '["#{hostname}"]');
    assert.equal(param(other, 'nested'), '{"a":{"b":{"c":[1,[2,[3]]]}},"dup":2}');
  });

  test('includes.conf: glob order, snippet inside <buffer>, missing paths ignored', () => {
    const root = load('includes.conf');
    assert.deepEqual(
      root.elements.map((e) => `${e.head()} ${param(e, '@type') ?? ''}`.trim()),
      [
        '<system>',
        '<source> forward',
        '<source> http',
        '<filter app.**> record_transformer',
        '<match debug.**> stdout',
        '<match app.**> file',
      ],
    );
    const buffer = root.elements[5]!.children('buffer')[0]!;
    assert.deepEqual(
      [...buffer.params.keys()],
      ['@type', 'flush_interval', 'chunk_limit_size', 'retry_max_times', 'path'],
    );
    assert.equal(buffer.params.get('flush_interval')!.pos.file, 'inc/buffer-common.conf');
    assert.equal(root.elements[2]!.pos.file, 'inc/http-source.conf');
  });

  test('workers.conf: worker sections and worker_id', () => {
    const root = load('workers.conf');
    assert.deepEqual(
      root.children('worker').map((w) => w.arg),
      ['0', '1-3'],
    );
    assert.equal(param(root.children('worker')[1]!.elements[0]!, 'port'), '24224');
    const w2 = loadConfigFile('workers.conf', { ...OPTS, workerId: '2' });
    assert.equal(param(w2.children('worker')[1]!.elements[0]!, 'port'), '24226');
    assert.equal(param(w2.children('match')[0]!, 'path'), '/var/log/td-agent/worker2/out');
  });

  test('tail-parse.conf: regexps survive unquoted when they have no " #"', () => {
    const root = load('tail-parse.conf');
    const expr = param(root.elements[0]!.children('parse')[0]!, 'expression')!;
    assert.ok(expr.startsWith('/^(?<remote>[^ ]*)') && expr.endsWith(')")?$/'), expr);
    const grep = root.elements[5]!;
    assert.equal(param(grep.children('regexp')[0]!, 'pattern'), '^[1-5]\\d\\d$');
  });
});
