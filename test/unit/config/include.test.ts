// @include semantics (spec §1.3, §9.2) with real files and globs in a temp directory.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfigFile, parseConfig } from '../../../src/config/parser.js';
import { ConfigError, ConfigParseError } from '../../../src/core/errors.js';
import { collectWarnings, configError } from './helpers.js';

let dir: string;

function write(rel: string, text: string | Buffer): string {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

const load = (rel: string, opts = {}) =>
  loadConfigFile(path.join(dir, rel), { env: {}, hostname: 'h', ...opts });

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-include-'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('@include', () => {
  test('relative to the including file, spliced in place', () => {
    write('a/main.conf', 'before 1\n@include sub/one.conf\nafter 2\n');
    write('a/sub/one.conf', 'middle 3\n<source>\n  @type sample\n</source>\n');
    const root = load('a/main.conf');
    assert.deepEqual([...root.params.keys()], ['before', 'middle', 'after']);
    assert.equal(root.elements[0]!.name, 'source');
    assert.deepEqual(root.params.get('middle')!.pos, {
      file: path.join(dir, 'a/sub/one.conf'),
      line: 1,
      col: 1,
    });
  });

  test('globs expand sorted alphabetically', () => {
    write('g/main.conf', '@include conf.d/*.conf\n');
    for (const n of ['b.conf', 'a.conf', 'c.conf', '10.conf', 'skip.txt', '.hidden.conf']) {
      write(`g/conf.d/${n}`, `<match ${n}>\n</match>\n`);
    }
    const args = load('g/main.conf').elements.map((e) => e.arg);
    assert.deepEqual(args, ['10.conf', 'a.conf', 'b.conf', 'c.conf']);
  });

  test('a path or glob matching nothing is silently ignored', () => {
    write('m/main.conf', '@include missing.conf\n@include nothing/*.conf\nx 1\n');
    assert.equal(load('m/main.conf').params.get('x')!.value, '1');
  });

  test('inside a section the included params join that section', () => {
    write(
      's/main.conf',
      '<match a>\n  @type file\n  <buffer>\n    @include buffer.conf\n  </buffer>\n</match>\n',
    );
    write('s/buffer.conf', 'flush_interval 10s\nchunk_limit_size 8m\n');
    const buf = load('s/main.conf').elements[0]!.elements[0]!;
    assert.deepEqual([...buf.params.keys()], ['flush_interval', 'chunk_limit_size']);
  });

  test('nested includes chain relative to each file', () => {
    write('n/main.conf', '@include l1/one.conf\n');
    write('n/l1/one.conf', '@include l2/two.conf\n');
    write('n/l1/l2/two.conf', 'deep yes\n');
    assert.equal(load('n/main.conf').params.get('deep')!.value, 'yes');
  });

  test('absolute paths and file:// URIs', () => {
    const target = write('abs/t.conf', 'abs 1\n');
    write('abs/u.conf', 'uri 1\n');
    write('abs/main.conf', `@include ${target}\n@include file://${path.join(dir, 'abs/u.conf')}\n`);
    const root = load('abs/main.conf');
    assert.equal(root.params.get('abs')!.value, '1');
    assert.equal(root.params.get('uri')!.value, '1');
  });

  test('quoted paths; %20 and + mean a space (Fluentd URI decoding)', () => {
    write('q/my file.conf', 'spaced 1\n');
    write('q/main.conf', '@include "my file.conf"\n@include my+file.conf\n@include my%20file.conf\n');
    assert.equal(load('q/main.conf').params.get('spaced')!.value, '1');
  });

  test('** recurses, ? and [..] and {a,b} work', () => {
    write('r/main.conf', '@include d/**/*.conf\n');
    write('r/d/x.conf', 'x 1\n');
    write('r/d/sub/y.conf', 'y 1\n');
    write('r/d/sub/deeper/z.conf', 'z 1\n');
    // sorted as whole paths: d/sub/deeper/z.conf < d/sub/y.conf < d/x.conf
    assert.deepEqual([...load('r/main.conf').params.keys()], ['z', 'y', 'x']);
    write('r/q.conf', '@include d/?.conf\n@include d/sub/[xy].conf\n@include d/{x,nope}.conf\n');
    assert.deepEqual([...load('r/q.conf').params.keys()], ['x', 'y']);
  });

  test('bare include works at top level with a deprecation warning', () => {
    write('b/main.conf', 'include part.conf\n');
    write('b/part.conf', 'p 1\n');
    const w = collectWarnings();
    assert.equal(load('b/main.conf', w).params.get('p')!.value, '1');
    assert.deepEqual(w.list, ["'include' is deprecated. Use '@include' instead"]);
  });

  test('bare include inside a section is just a parameter', () => {
    write('b2/main.conf', '<match a>\n  include part.conf\n</match>\n');
    assert.equal(load('b2/main.conf').elements[0]!.params.get('include')!.value, 'part.conf');
  });

  test('an included file is a top level: unknown @keys are errors there', () => {
    write('t/main.conf', '<match a>\n  <buffer>\n    @include b.conf\n  </buffer>\n</match>\n');
    write('t/b.conf', '@bogus 1\n');
    const e = configError(() => load('t/main.conf'));
    assert.ok(e instanceof ConfigParseError);
    assert.equal(e.pos!.file, path.join(dir, 't/b.conf'));
  });

  test('errors in included files name that file and its line', () => {
    write('e/main.conf', 'ok 1\n@include bad.conf\n');
    write('e/bad.conf', '# comment\n<match a>\n  x "y" z\n</match>\n');
    const e = configError(() => load('e/main.conf'));
    assert.equal(e.message, `${path.join(dir, 'e/bad.conf')}:3:8: expected end of line`);
  });

  test('cycles are detected with a clear error', () => {
    write('c/a.conf', '@include b.conf\n');
    write('c/b.conf', '@include a.conf\n');
    const e = configError(() => load('c/a.conf'));
    assert.match(e.detail, /^include cycle detected: .*a\.conf -> .*b\.conf -> .*a\.conf$/);
    write('c/self.conf', 'x 1\n@include self.conf\n');
    assert.match(configError(() => load('c/self.conf')).detail, /include cycle detected/);
  });

  test('a directory, remote URLs, unknown schemes, bad %-encoding', () => {
    fs.mkdirSync(path.join(dir, 'x/dir.conf'), { recursive: true });
    write('x/main.conf', '@include dir.conf\n');
    assert.match(configError(() => load('x/main.conf')).detail, /^include error dir\.conf - /);
    write('x/http.conf', '@include https://example.com/fluent.conf\n');
    assert.match(configError(() => load('x/http.conf')).detail, /remote includes are not supported/);
    write('x/ftp.conf', '@include ftp://example.com/fluent.conf\n');
    assert.match(configError(() => load('x/ftp.conf')).detail, /unsupported include URI scheme/);
    write('x/pct.conf', '@include 100%.conf\n');
    assert.match(configError(() => load('x/pct.conf')).detail, /invalid %-encoding/);
  });

  test('backup-looking files picked up by *.conf are warned about', () => {
    write('w/main.conf', '@include conf.d/*.conf\n');
    write('w/conf.d/a.conf', 'a 1\n');
    write('w/conf.d/a.bak.conf', 'a 2\n');
    const w = collectWarnings();
    load('w/main.conf', w);
    assert.equal(w.list.length, 1);
    assert.match(w.list[0]!, /includes duplicated backed-up config file such as <a\.bak\.conf>/);
  });

  test('parseConfig resolves includes against the directory of its file name', () => {
    write('p/inc.conf', 'from_inc 1\n');
    const root = parseConfig('@include inc.conf\n', path.join(dir, 'p/virtual.conf'), { env: {} });
    assert.equal(root.params.get('from_inc')!.value, '1');
  });

  test('relative main file keeps relative positions', () => {
    write('rel/main.conf', '@include sub.conf\n');
    write('rel/sub.conf', 'k v\n');
    const relMain = path.relative(process.cwd(), path.join(dir, 'rel/main.conf'));
    const root = loadConfigFile(relMain, { env: {} });
    assert.equal(root.params.get('k')!.pos.file, path.join(path.dirname(relMain), 'sub.conf'));
  });
});

describe('reading files', () => {
  test('a missing main file is a ConfigError', () => {
    const e = configError(() => loadConfigFile(path.join(dir, 'nope.conf')));
    assert.ok(!(e instanceof ConfigParseError));
    assert.match(e.message, /cannot read config file .*nope\.conf/);
    assert.equal(e.code, 'CONFIG_FILE');
  });

  test('invalid UTF-8 is a parse error at its line', () => {
    write(
      'u/bad.conf',
      Buffer.concat([Buffer.from('a 1\nb '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]),
    );
    const e = configError(() => load('u/bad.conf'));
    assert.ok(e instanceof ConfigParseError);
    assert.match(e.detail, /invalid UTF-8 byte sequence \(byte offset 6\)/);
    assert.equal(e.pos!.line, 2);
  });

  test('a UTF-8 BOM is ignored', () => {
    write('u/bom.conf', '\uFEFF<source>\n  @type sample\n</source>\n');
    assert.equal(load('u/bom.conf').elements[0]!.name, 'source');
  });

  test('errors are ConfigError instances', () => {
    assert.ok(configError(() => load('u/bad.conf')) instanceof ConfigError);
  });
});
