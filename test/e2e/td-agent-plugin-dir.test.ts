// `td-agent -p DIR` loads a user's compiled JS plugin module and uses it by @type.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DIST, Proc } from '../helpers/proc.js';

test('a filter from -p DIR transforms events in a real daemon', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plugins-'));
  const api = pathToFileURL(path.join(DIST, 'src/plugin/index.js')).href;
  fs.writeFileSync(
    path.join(dir, 'filter_shout.mjs'),
    `import { Filter, p } from '${api}';
export class ShoutFilter extends Filter {
  static type = 'shout';
  static params = { key: p.string({ default: 'message', desc: 'Field to upper-case.' }) };
  filter(_tag, _sec, _nsec, record) {
    return { ...record, [this.config.key]: String(record[this.config.key]).toUpperCase() };
  }
}
`,
  );
  const conf = path.join(dir, 'td-agent.conf');
  fs.writeFileSync(
    conf,
    `<source>
  @type sample
  tag app.x
  sample {"message":"hello"}
</source>
<filter app.**>
  @type shout
</filter>
<match app.**>
  @type stdout
</match>
`,
  );
  const p = Proc.node('src/cli/td-agent.js', ['-c', conf, '-p', dir, '--no-supervisor']);
  try {
    await p.waitOutput(/app\.x: \{"message":"HELLO"\}/, 'the upper-cased event');
    assert.match(p.all, /loaded plugins dir=".*" count=1/);
  } finally {
    await p.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
