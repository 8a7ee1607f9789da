// --use-v0-config syntax (spec §1.9).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseConfigV0 } from '../../../src/config/parser-v0.js';
import { ConfigParseError } from '../../../src/core/errors.js';

const CONF = `# td-agent 1.x style
<source>
  type forward
  port 24224   # trailing comment
</source>

<match td.*.*>
  type tdlog
  apikey abc#def
  buffer_path /var/log/td-agent/buffer/td
  quoted "kept as is"
  empty
</match>
`;

test('line based: lstrip, # to end of line removed, raw values', () => {
  const root = parseConfigV0(CONF, 'v0.conf');
  const [src, m] = root.elements;
  assert.equal(src!.name, 'source');
  assert.equal(src!.params.get('type')!.value, 'forward');
  assert.equal(src!.params.get('port')!.value, '24224');
  assert.equal(m!.arg, 'td.*.*');
  assert.equal(m!.params.get('apikey')!.value, 'abc', 'a # anywhere starts a comment');
  assert.equal(m!.params.get('quoted')!.value, '"kept as is"');
  assert.equal(m!.params.get('empty')!.value, '');
  assert.deepEqual(m!.params.get('type')!.pos, { file: 'v0.conf', line: 8, col: 1 });
});

test('@type is not a v0 key: parse error with the line', () => {
  let err: unknown;
  try {
    parseConfigV0('<source>\n  @type forward\n</source>\n', 'v0.conf');
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigParseError);
  assert.equal(err.message, 'v0.conf:2:1: parse error');
});

test('an element left open at EOF is closed silently', () => {
  const root = parseConfigV0('<match a>\n  type null\n', 'v0.conf');
  assert.equal(root.elements[0]!.params.get('type')!.value, 'null');
});

test('include PATH and <include PATH />', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-v0-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.conf'), 'a 1\n');
    fs.writeFileSync(path.join(dir, 'b.conf'), 'b 2\n');
    const main = path.join(dir, 'main.conf');
    const root = parseConfigV0('include a.conf\n<match x>\n  <include b.conf />\n</match>\n', main);
    assert.equal(root.params.get('a')!.value, '1');
    assert.equal(root.elements[0]!.params.get('b')!.value, '2');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('deep nesting is an error, not a crash', () => {
  assert.throws(() => parseConfigV0('<a>\n'.repeat(10_000), 'v0.conf'), ConfigParseError);
});
