import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import * as zlib from 'node:zlib';
import { EventStream } from '../../src/core/event-stream.js';
import { FileOutput } from '../../src/plugins/out_file.js';
import { makeOutput, waitFor } from '../unit/buffer/helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-outfile-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// 2024-01-02T03:04:05Z
const T = 1704164645;

function es(...recs: Record<string, unknown>[]): EventStream {
  const s = new EventStream();
  for (const r of recs) s.add(T, 0, r);
  return s;
}

test('out_file default: daily slice, _N per chunk, out_file format, buffer dir = path', async () => {
  const p = path.join(tmp, 'a', 'app');
  const o = makeOutput(
    FileOutput,
    `@type file\npath ${p}\n<buffer time>\ntimekey 1d\ntimekey_use_utc true\n</buffer>\n<format>\nutc true\n</format>`,
  );
  await o.start();
  await o.emit('test.a', es({ a: 1 }, { b: 'x' }));
  await o.flushAll();
  await o.emit('test.a', es({ a: 2 }));
  await o.flushAll();
  const files = fs.readdirSync(path.join(tmp, 'a')).sort();
  assert.deepEqual(files, ['app', 'app.20240102_0.log', 'app.20240102_1.log']);
  assert.equal(
    fs.readFileSync(path.join(tmp, 'a', 'app.20240102_0.log'), 'utf8'),
    '2024-01-02T03:04:05Z\ttest.a\t{"a":1}\n2024-01-02T03:04:05Z\ttest.a\t{"b":"x"}\n',
  );
  assert.deepEqual(fs.readdirSync(p), [], 'buffer chunks are purged after the write');
  await o.shutdown();
});

test('out_file: append, placeholders, json format, inject, gzip', async () => {
  const p = path.join(tmp, 'b', '${tag[1]}', 'out.%Y%m%d');
  const o = makeOutput(
    FileOutput,
    `path ${p}\nappend true\ncompress gzip\n<buffer tag,time>\n@type memory\ntimekey 1d\ntimekey_use_utc true\n</buffer>\n<format>\n@type json\n</format>\n<inject>\ntag_key tg\ntime_key t\ntime_type unixtime\n</inject>`,
  );
  await o.start();
  o.emit('app.web', es({ a: 1 }));
  await o.flushAll();
  o.emit('app.web', es({ a: 2 }));
  await o.flushAll();
  const file = path.join(tmp, 'b', 'web', 'out.20240102.log.gz');
  const text = zlib.gunzipSync(fs.readFileSync(file)).toString();
  assert.equal(text, `{"a":1,"tg":"app.web","t":${T}}\n{"a":2,"tg":"app.web","t":${T}}\n`);
  await o.shutdown();
});

test('out_file: `*` marks the time slice; csv, ltsv, tsv, single_value formats', async () => {
  const cases: [string, string][] = [
    ['@type csv\nfields a,b', '"1","x y"\n'],
    ['@type ltsv', 'a:1\tb:x y\n'],
    ['@type tsv\nkeys b,a', 'x y\t1\n'],
    ['@type single_value\nmessage_key b', 'x y\n'],
    ['@type hash', '{"a"=>1, "b"=>"x y"}\n'],
  ];
  for (const [i, [fmt, want]] of cases.entries()) {
    const p = path.join(tmp, 'c', `f${i}.*.txt`);
    const o = makeOutput(
      FileOutput,
      `path ${p}\n<buffer time>\n@type memory\ntimekey 3600\ntimekey_use_utc true\n</buffer>\n<format>\n${fmt}\n</format>`,
    );
    await o.start();
    o.emit('t', es({ a: 1, b: 'x y' }));
    await o.flushAll();
    assert.equal(fs.readFileSync(path.join(tmp, 'c', `f${i}.2024010203_0.txt`), 'utf8'), want, fmt);
    await o.shutdown();
  }
});

test('out_file: no time chunk key → <path>_0.log', async () => {
  const p = path.join(tmp, 'd', 'plain');
  const o = makeOutput(
    FileOutput,
    `path ${p}\n<buffer tag>\n@type memory\n</buffer>\n<format>\n@type json\n</format>`,
  );
  await o.start();
  o.emit('t', es({ a: 1 }));
  await o.flushAll();
  assert.equal(fs.readFileSync(`${p}_0.log`, 'utf8'), '{"a":1}\n');
  await o.shutdown();
});

test('out_file symlink_path points at the file-buffer chunk of the latest time slice', async () => {
  const p = path.join(tmp, 'e', 'app');
  const link = path.join(tmp, 'e', 'current', '${tag}.log');
  const rel = path.join(tmp, 'e', 'rel.log');
  const mk = (l: string, extra = '') =>
    makeOutput(
      FileOutput,
      `path ${p}\nsymlink_path ${l}\n${extra}<buffer tag,time>\n@type file\npath ${path.join(tmp, 'e', `buf${extra ? 'r' : ''}`)}\ntimekey 1h\ntimekey_use_utc true\n</buffer>`,
    );
  const o = mk(link);
  await o.start();
  await o.emit('web', es({ a: 1 })); // 03:xx slice
  const later = new EventStream();
  later.add(T + 3600, 0, { a: 2 }); // 04:xx slice: the latest
  await o.emit('web', later);
  await o.emit('web', es({ a: 3 })); // back to 03:xx: the link stays on 04:xx
  const target = fs.readlinkSync(path.join(tmp, 'e', 'current', 'web.log'));
  const chunks = [...o.runner.buffer!.stage.values()];
  const newest = chunks.find((c) => c.metadata.timekey === T - (T % 3600) + 3600)!;
  assert.equal(target, newest.path);
  assert.match(fs.readFileSync(path.join(tmp, 'e', 'current', 'web.log'), 'utf8'), /"a":2/);
  await o.shutdown();

  const r = mk(rel, 'symlink_path_use_relative true\n');
  await r.start();
  await r.emit('web', es({ a: 1 }));
  await waitFor(() => fs.existsSync(rel));
  assert.ok(!path.isAbsolute(fs.readlinkSync(rel)));
  assert.match(fs.readFileSync(rel, 'utf8'), /"a":1/);
  await r.shutdown();

  assert.throws(
    () =>
      makeOutput(
        FileOutput,
        `path ${p}\n<buffer>\n@type memory\n</buffer>\n<secondary>\n@type file\npath ${p}x\nsymlink_path ${link}\n</secondary>`,
      ),
    /symlink_path option is unavailable in <secondary>/,
  );
});
