import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ADMIN_KEY_FILE, hashKey, KEYS_FILE, KeyStore } from '../../../src/server/auth.js';
import { tempDir } from './helpers.js';

test('keys are TD-shaped, stored hashed in a 0600 file, revocable by key or id', (t) => {
  const dir = tempDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ks = new KeyStore(dir);
  const admin = ks.ensureAdmin()!;
  assert.match(admin, /^1\/[0-9a-f]{40}$/);
  assert.equal(ks.ensureAdmin(), undefined, 'only the first start makes an admin key');
  assert.equal(fs.readFileSync(path.join(dir, ADMIN_KEY_FILE), 'utf8').trim(), admin);
  for (const f of [KEYS_FILE, ADMIN_KEY_FILE])
    assert.equal(fs.statSync(path.join(dir, f)).mode & 0o777, 0o600);
  const stored = fs.readFileSync(path.join(dir, KEYS_FILE), 'utf8');
  assert.ok(!stored.includes(admin.slice(2)), 'the key itself is not stored');
  assert.ok(stored.includes(hashKey(admin)));

  const { key, entry } = ks.create();
  assert.equal(entry.admin, false);
  assert.equal(ks.authenticate(`TD1 ${key}`)?.id, entry.id);
  assert.equal(ks.authenticate(`td1   ${admin}`)?.admin, true, 'scheme is case-insensitive');
  assert.equal(ks.authenticate(`TD1 1/${'0'.repeat(40)}`), undefined);
  assert.equal(ks.authenticate(undefined), undefined);
  assert.equal(ks.authenticate(`Bearer ${key}`), undefined);

  // another manager (the CLI) revokes while this store is in use: seen after the reload interval
  const other = new KeyStore(dir);
  assert.equal(other.revoke(String(entry.id))?.id, entry.id);
  assert.equal(ks.authenticate(`TD1 ${key}`, Date.now() + 5000), undefined);
  assert.equal(other.revoke(admin)?.admin, true);
  assert.equal(other.revoke('nope'), undefined);
  assert.equal(new KeyStore(dir).list().filter((k) => k.revoked_at).length, 2);
});
