// Durability: SIGKILL td-server in the middle of a stream of imports, restart it, and check that
// every import answered 200 is there exactly once, no other import is partially there, the
// table counters agree with the rows, and re-sending every import by its unique id (what
// out_tdlog does after a failure) ends with each import present exactly once.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { decodeMultiple } from '../../src/core/msgpack.js';
import { encodeImportBody } from '../../src/td/import-body.js';
import { spawnServer, waitFor } from '../unit/server/child.js';
import { request, tempDir } from '../unit/server/helpers.js';

const PER_IMPORT = 1000;
const IMPORTS = 120;
const CLIENTS = 4;

const root = tempDir('td-server-kill-');
after(() => fs.rmSync(root, { recursive: true, force: true }));

function bodyFor(i: number): Promise<Buffer> {
  return encodeImportBody(
    Array.from({ length: PER_IMPORT }, (_, j) => ({
      time: 1_700_000_000 + j,
      imp: i,
      seq: j,
      msg: `import ${i} record ${j} ${'p'.repeat(40)}`,
      // a new column now and then, so some transactions also ALTER the table
      ...(i % 25 === 0 ? { [`col_${i}`]: j } : {}),
    })),
  );
}

test('SIGKILL mid-import: acknowledged imports exactly once, none half there, retries dedupe', async (t) => {
  const data = path.join(root, 'data');
  let child = await spawnServer(data);
  const key = fs.readFileSync(path.join(data, 'admin.apikey'), 'utf8').trim();
  const api = (url: string, method: string, p: string, body?: Buffer | string) =>
    request(url, method, p, {
      key,
      ...(body !== undefined ? { body } : {}),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
  try {
    assert.equal((await api(child.url, 'POST', '/v3/database/create/faultdb')).status, 200);
    assert.equal((await api(child.url, 'POST', '/v3/table/create/faultdb/events/log')).status, 200);

    const bodies = await Promise.all(Array.from({ length: IMPORTS }, (_, i) => bodyFor(i)));
    const outcome: Array<number | 'error' | undefined> = new Array(IMPORTS);
    let next = 0;
    let acked = 0;
    const url = child.url;
    const client = async () => {
      while (next < IMPORTS) {
        const i = next++;
        try {
          const r = await api(
            url,
            'PUT',
            `/v3/table/import_with_id/faultdb/events/imp${i}/msgpack.gz`,
            bodies[i],
          );
          outcome[i] = r.status;
          if (r.status === 200) acked++;
        } catch {
          outcome[i] = 'error';
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    // Kill once a good number of imports is committed, while the clients keep sending.
    await waitFor(async () => acked >= 30, 60_000, '30 acknowledged imports');
    child.proc.kill('SIGKILL');
    await child.exited;
    await Promise.all(clients);
    const ackedIds = outcome.flatMap((o, i) => (o === 200 ? [i] : []));
    const failed = outcome.flatMap((o, i) => (o !== 200 && o !== undefined ? [i] : []));
    assert.ok(ackedIds.length >= 30);
    assert.ok(failed.length > 0, 'the kill interrupted some imports');
    assert.ok(
      outcome.every((o) => o === 200 || o === 'error' || o === undefined),
      `statuses: ${[...new Set(outcome)]}`,
    );

    child = await spawnServer(data);
    const perImport = async (u: string): Promise<Map<number, number>> => {
      const issued = (
        await api(
          u,
          'POST',
          '/v3/job/issue/presto/faultdb',
          'query=SELECT+imp,+count(*)+FROM+events+GROUP+BY+imp',
        )
      ).json();
      let show: any;
      await waitFor(async () => {
        show = (await api(u, 'GET', `/v3/job/show/${issued.job_id}`)).json();
        return show.status === 'success' || show.status === 'error';
      }, 20_000);
      assert.equal(show.status, 'success', show.debug.stderr);
      const rows = decodeMultiple(
        (await api(u, 'GET', `/v3/job/result/${issued.job_id}`)).body,
      ) as number[][];
      return new Map(rows.map(([imp, n]) => [imp!, n!]));
    };
    const counts = await perImport(child.url);
    for (const i of ackedIds)
      assert.equal(counts.get(i), PER_IMPORT, `acknowledged import ${i} exactly once`);
    for (const [i, n] of counts) assert.equal(n, PER_IMPORT, `import ${i} is whole (${n} rows)`);
    const rows = [...counts.values()].reduce((a, b) => a + b, 0);
    t.diagnostic(
      `acknowledged ${ackedIds.length}, failed at the kill ${failed.length}, ` +
        `committed without an answer ${[...counts.keys()].filter((i) => outcome[i] !== 200).length}`,
    );
    const shown = (await api(child.url, 'GET', '/v3/table/show/faultdb/events')).json();
    assert.equal(shown.count, rows, 'the table counter matches the rows');

    // out_tdlog retries every chunk it has no 200 for, with the same unique id
    for (let i = 0; i < IMPORTS; i++) {
      if (outcome[i] === 200) continue;
      const r = await api(
        child.url,
        'PUT',
        `/v3/table/import_with_id/faultdb/events/imp${i}/msgpack.gz`,
        bodies[i],
      );
      assert.equal(r.status, 200);
    }
    // and a few acknowledged ones again (a lost response looks the same to the sender)
    for (const i of ackedIds.slice(0, 5)) {
      await api(child.url, 'PUT', `/v3/table/import_with_id/faultdb/events/imp${i}/msgpack.gz`, bodies[i]);
    }
    const final = await perImport(child.url);
    assert.equal(final.size, IMPORTS);
    for (const [i, n] of final) assert.equal(n, PER_IMPORT, `import ${i} exactly once after retries`);
    assert.equal(
      (await api(child.url, 'GET', '/v3/table/show/faultdb/events')).json().count,
      IMPORTS * PER_IMPORT,
    );
  } finally {
    if (child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGTERM');
      await child.exited;
    }
  }
});
