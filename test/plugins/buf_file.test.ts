import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { decodeMeta } from '../../src/buffer/file-meta.js';
import { captureLogger, makeOutput, ScriptedOutput, stream, waitFor } from '../unit/buffer/helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-buffile-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const conf = (dir: string, extra = '') =>
  `<buffer>\n@type file\npath ${dir}\nflush_mode lazy\n${extra}</buffer>`;

test('file buffer: Fluentd names and meta; emit resolves after fsync; resume after restart', async () => {
  const dir = path.join(tmp, 'resume');
  const o1 = makeOutput(ScriptedOutput, conf(dir, 'chunk_limit_records 5\nretry_wait 1h\n'));
  o1.behavior = () => new Error('destination down: chunks stay queued');
  await o1.start();
  await o1.emit('a.b', stream(12));
  await waitFor(() => o1.runner.retry !== undefined && o1.runner.inFlight === 0);
  await o1.shutdown(); // flush_at_shutdown false for file: chunks stay
  const names = fs.readdirSync(dir).sort();
  assert.equal(names.filter((n) => /^buffer\.q[0-9a-f]{32}\.log$/.test(n)).length, 2, names.join(' '));
  assert.equal(names.filter((n) => /^buffer\.b[0-9a-f]{32}\.log$/.test(n)).length, 1, names.join(' '));
  assert.equal(names.filter((n) => n.endsWith('.log.meta')).length, 3);
  const q = names.find((n) => n.startsWith('buffer.q') && n.endsWith('.log'))!;
  const meta = decodeMeta(fs.readFileSync(path.join(dir, `${q}.meta`)));
  assert.equal(meta.id.toString('hex'), q.slice(8, 40));
  assert.equal(meta.records, 5);
  assert.ok(meta.createdAt > 0 && meta.modifiedAt > 0);
  assert.equal(fs.readFileSync(path.join(dir, `${q}.meta`))[0], 0xc1);

  const o2 = makeOutput(ScriptedOutput, conf(dir, 'chunk_limit_records 5\n'));
  await o2.start();
  assert.equal(o2.stats()!.buffered_records, 12);
  await o2.flushAll();
  assert.deepEqual(
    o2
      .writtenRecords()
      .map((r) => r.n)
      .sort((a, b) => (a as number) - (b as number)),
    [...Array(12).keys()],
  );
  assert.deepEqual(fs.readdirSync(dir), []);
  await o2.shutdown();
});

test('file buffer: concurrent emits share fsyncs (group commit)', async () => {
  const dir = path.join(tmp, 'group');
  const o = makeOutput(ScriptedOutput, conf(dir));
  await o.start();
  const ps: Promise<void>[] = [];
  for (let i = 0; i < 200; i++) ps.push(o.emit('t', stream(1, i)) as Promise<void>);
  await Promise.all(ps);
  const store = (o.runner as unknown as { storage: { writer: { syncs: number } } }).storage;
  assert.ok(store.writer.syncs < 50, `syncs ${store.writer.syncs} for 200 emits`);
  await o.flushAll();
  assert.equal(o.writtenRecords().length, 200);
  await o.shutdown();
});

test('file buffer: torn tail truncated, garbage and bad meta quarantined, the rest delivered', async () => {
  const dir = path.join(tmp, 'corrupt');
  const root = path.join(tmp, 'corrupt-root');
  const o1 = makeOutput(ScriptedOutput, conf(dir, 'chunk_limit_records 4\nretry_wait 1h\n'), {
    id: 'out1',
    system: { rootDir: root },
  });
  o1.behavior = () => new Error('down');
  await o1.start();
  await o1.emit('t', stream(12));
  await o1.shutdown();
  const datas = fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .sort();
  assert.equal(datas.length, 3);
  // 1: torn tail (half of a record appended); 2: garbage data; 3: truncated meta
  fs.appendFileSync(path.join(dir, datas[0]!), Buffer.from([0x92, 0xd7, 0x00, 1, 2]));
  fs.writeFileSync(path.join(dir, datas[1]!), Buffer.from('not msgpack at all'));
  const m3 = path.join(dir, `${datas[2]}.meta`);
  fs.writeFileSync(m3, fs.readFileSync(m3).subarray(0, 10));
  // an empty chunk left by a crash right after create, and an orphan meta
  const hex = 'f'.repeat(32);
  fs.writeFileSync(path.join(dir, `buffer.b${hex}.log`), '');
  fs.writeFileSync(path.join(dir, `buffer.b${'e'.repeat(32)}.log.meta`), 'x');

  const { log, lines } = captureLogger();
  const o2 = makeOutput(ScriptedOutput, conf(dir, 'chunk_limit_records 4\n'), {
    id: 'out1',
    system: { rootDir: root },
    log,
  });
  await o2.start();
  await o2.flushAll();
  assert.equal(o2.writtenRecords().length, 4, 'the torn chunk keeps its 4 whole records');
  const backup = path.join(root, 'backup', 'worker0', 'out1');
  assert.equal(fs.readdirSync(backup).filter((n) => n.endsWith('.log')).length, 2);
  const broken = lines.filter((l) => l.includes('found broken chunk file during resume.'));
  assert.equal(broken.length, 2, lines.join('\n'));
  assert.ok(
    broken.some((l) => l.includes('records=4') && l.includes('first_time=')),
    broken.join('\n'),
  );
  assert.ok(lines.some((l) => l.includes('torn_bytes=5')));
  assert.deepEqual(fs.readdirSync(dir), []);
  await o2.shutdown();
});

test('file buffer with workers: worker 0 resumes the chunks of a single-worker run, others do not', async () => {
  const dir = path.join(tmp, 'workers');
  const o1 = makeOutput(ScriptedOutput, conf(dir, 'chunk_limit_records 3\nretry_wait 1h\n'));
  o1.behavior = () => new Error('down');
  await o1.start();
  await o1.emit('t', stream(5)); // one queued chunk (3) and one staged (2)
  await waitFor(() => o1.runner.retry !== undefined && o1.runner.inFlight === 0);
  await o1.shutdown();
  assert.equal(fs.readdirSync(dir).filter((n) => n.endsWith('.log')).length, 2);

  const w1 = makeOutput(ScriptedOutput, conf(dir, 'chunk_limit_records 3\n'), {
    system: { workers: 2 },
    workerId: 1,
  });
  await w1.start();
  assert.equal(w1.stats()!.buffered_records, 0, 'worker 1 leaves them alone');
  await w1.shutdown();

  const { log, lines } = captureLogger();
  const w0 = makeOutput(ScriptedOutput, conf(dir, 'chunk_limit_records 3\n'), {
    system: { workers: 2 },
    workerId: 0,
    log,
  });
  await w0.start();
  assert.equal(w0.stats()!.buffered_records, 5);
  assert.ok(lines.some((l) => l.includes('resuming buffer chunks left by a single-worker run')));
  assert.deepEqual(
    fs.readdirSync(dir).filter((n) => n.startsWith('buffer.')),
    [],
    'moved into worker0/',
  );
  await w0.flushAll();
  assert.deepEqual(
    w0
      .writtenRecords()
      .map((r) => r.n as number)
      .sort((a, b) => a - b),
    [0, 1, 2, 3, 4],
  );
  assert.deepEqual(fs.readdirSync(path.join(dir, 'worker0')), []);
  await w0.shutdown();
});
