// The small Dir.glob used by @include.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { expandBraces, globSync, segmentRegExp } from '../../../src/config/glob.js';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-glob-'));
  for (const f of [
    'a.conf',
    'b.conf',
    'ab.conf',
    '.hidden.conf',
    'x/c.conf',
    'x/y/d.conf',
    '.h/e.conf',
    'lit/n[1].conf',
  ]) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), '');
  }
  fs.symlinkSync(path.join(dir, 'x'), path.join(dir, 'link'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const g = (p: string) => globSync(path.join(dir, p)).map((f) => path.relative(dir, f));

test('* ? [..] skip dotfiles, sorted', () => {
  assert.deepEqual(g('*.conf'), ['a.conf', 'ab.conf', 'b.conf']);
  assert.deepEqual(g('?.conf'), ['a.conf', 'b.conf']);
  assert.deepEqual(g('[!a].conf'), ['b.conf']);
  assert.deepEqual(g('.*.conf'), ['.hidden.conf']);
});

test('** recurses, not into hidden dirs or symlinked dirs', () => {
  assert.deepEqual(g('**/*.conf'), [
    'a.conf',
    'ab.conf',
    'b.conf',
    'lit/n[1].conf',
    'x/c.conf',
    'x/y/d.conf',
  ]);
  assert.deepEqual(g('link/*.conf'), ['link/c.conf'], 'an explicit symlinked dir is fine');
});

test('braces, escapes, literal paths', () => {
  assert.deepEqual(g('{b,a,zz}.conf'), ['a.conf', 'b.conf']);
  assert.deepEqual(g('lit/n\\[1\\].conf'), ['lit/n[1].conf']);
  assert.deepEqual(g('a.conf'), ['a.conf']);
  assert.deepEqual(g('missing.conf'), []);
  assert.deepEqual(g('missing/*.conf'), []);
});

test('helpers', () => {
  assert.deepEqual(expandBraces('a{b,c{d,e}}f'), ['abf', 'acdf', 'acef']);
  assert.deepEqual(expandBraces('a{b'), ['a{b']);
  assert.ok(segmentRegExp('[a-c]x').test('bx'));
  assert.ok(!segmentRegExp('[z-a]').test('z'), 'a reversed range matches nothing instead of throwing');
});
