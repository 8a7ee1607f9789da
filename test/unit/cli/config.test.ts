import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { defaultConfigPath, Settings, TdConfigError, TdConfigFile } from '../../../src/cli/td/config.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'td-conf-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

test('reads the [account] file td writes', () => {
  const p = write(
    'a.conf',
    '[account]\n  user = me@example.com\n  apikey = 1/abc\n  endpoint = http://localhost:8080/\n# note\n',
  );
  const conf = TdConfigFile.read(p);
  assert.equal(conf.get('account.user'), 'me@example.com');
  assert.equal(conf.get('account.apikey'), '1/abc');
  const s = new Settings({ config: p }, {});
  assert.equal(s.apikey, '1/abc');
  assert.equal(s.endpoint, 'http://localhost:8080', 'trailing slash stripped');
  assert.equal(s.importEndpoint, 'http://localhost:8080', 'imports default to the API endpoint');
});

test('an invalid line is an error naming the line and file', () => {
  const p = write('bad.conf', '[account]\napikey: 1/abc\n');
  assert.throws(
    () => TdConfigFile.read(p),
    (e: unknown) => {
      assert.ok(e instanceof TdConfigError);
      assert.equal(e.message, `invalid config line 'apikey: 1/abc' at ${p}`);
      return true;
    },
  );
  // blank lines are tolerated (td itself rejects them)
  assert.equal(
    TdConfigFile.read(write('blank.conf', '[account]\n\n  apikey = k\n')).get('account.apikey'),
    'k',
  );
});

test('precedence: flag > env > file; TREASURE_DATA_* before TD_*; empty env ignored', () => {
  const p = write('p.conf', '[account]\n  apikey = file-key\n  endpoint = http://file:1\n');
  assert.equal(new Settings({ config: p }, { TD_API_KEY: 'env-key' }).apikey, 'env-key');
  assert.equal(new Settings({ config: p }, { TD_API_KEY: '' }).apikey, 'file-key');
  assert.equal(new Settings({ config: p, apikey: 'flag-key' }, { TD_API_KEY: 'env-key' }).apikey, 'flag-key');
  assert.equal(
    new Settings({ config: p }, { TREASURE_DATA_API_KEY: 'long', TD_API_KEY: 'short' }).apikey,
    'long',
  );
  assert.equal(new Settings({ config: p }, { TD_API_SERVER: 'http://env:2' }).endpoint, 'http://env:2');
  assert.equal(
    new Settings({ config: p, endpoint: 'http://flag:3' }, { TD_API_SERVER: 'http://env:2' }).endpoint,
    'http://flag:3',
  );
  assert.equal(
    new Settings({ config: p }, { TD_API_IMPORT_SERVER: 'http://imp:4' }).importEndpoint,
    'http://imp:4',
  );
  // a missing file is no error when the key comes from elsewhere
  assert.equal(new Settings({ config: path.join(dir, 'none.conf') }, { TD_API_KEY: 'k' }).apikey, 'k');
  assert.equal(new Settings({ config: path.join(dir, 'none.conf') }, {}).apikey, undefined);
});

test('config path: -c > TREASURE_DATA_CONFIG_PATH > TD_CONFIG_PATH > ~/.td/td.conf', () => {
  assert.equal(defaultConfigPath({ TD_CONFIG_PATH: '/x/td.conf', HOME: '/h' }), '/x/td.conf');
  assert.equal(defaultConfigPath({ TREASURE_DATA_CONFIG_PATH: '/y', TD_CONFIG_PATH: '/x' }), '/y');
  assert.equal(defaultConfigPath({ HOME: '/h' }), path.join('/h', '.td', 'td.conf'));
  assert.equal(new Settings({ config: '/c' }, { TD_CONFIG_PATH: '/x' }).configPath, '/c');
});

test('save writes td layout, mode 0600, and reads back', () => {
  const p = path.join(dir, 'sub', 'td.conf');
  const conf = new TdConfigFile();
  conf.set('account.apikey', '1/k');
  conf.set('account.endpoint', 'http://127.0.0.1:8080');
  conf.save(p);
  assert.equal(fs.readFileSync(p, 'utf8'), '[account]\n  apikey = 1/k\n  endpoint = http://127.0.0.1:8080\n');
  assert.equal(fs.statSync(p).mode & 0o777, 0o600);
  assert.equal(TdConfigFile.read(p).get('account.endpoint'), 'http://127.0.0.1:8080');
});
