import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { renderAll } from '../../../src/cli/gen-docs.js';
import { ROOT } from '../../helpers/proc.js';

test('docs/plugins/ matches the parameter declarations (run `npm run docs`)', () => {
  const dir = path.join(ROOT, 'docs/plugins');
  const pages = renderAll();
  const stale: string[] = [];
  for (const [name, text] of pages) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) stale.push(name);
  }
  assert.deepEqual(stale, [], `stale or missing pages: ${stale.join(', ')}`);
  assert.ok(pages.get('output-tdlog.md')?.includes('| `apikey` | string | required |'));
});
