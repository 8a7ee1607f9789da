// in_http against the real curl binary: the seed walkthrough request, JSON and gzip bodies from
// files, connection reuse across URLs in one curl run, CORS preflight, 413.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { startHttp } from '../plugins/in_http_support.js';

const run = promisify(execFile);

async function curl(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'utf8' });
}

test('curl: the seed request produces exactly one event', async () => {
  const { d, port } = await startHttp();
  try {
    const { stdout } = await curl([
      '-i',
      '-X',
      'POST',
      '-d',
      'json={"action":"login","user":2}',
      `http://127.0.0.1:${port}/td.testdb.www_access`,
    ]);
    assert.match(stdout, /^HTTP\/1.1 200 OK\r\n/);
    assert.match(stdout, /Content-Length: 0\r\n/);
    assert.deepEqual(
      d.events().map((e) => [e.tag, e.record]),
      [['td.testdb.www_access', { action: 'login', user: 2 }]],
    );
  } finally {
    await d.shutdown();
  }
});

test('curl: JSON and gzipped JSON bodies from files, reusing one connection for several URLs', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-curl-'));
  const { d, port } = await startHttp();
  try {
    const plain = path.join(dir, 'a.json');
    const gz = path.join(dir, 'b.json.gz');
    fs.writeFileSync(plain, '[{"n":1},{"n":2}]');
    fs.writeFileSync(gz, zlib.gzipSync('{"n":3}'));
    const base = `http://127.0.0.1:${port}`;
    const { stderr } = await curl([
      '-v',
      '-o',
      '/dev/null',
      '-H',
      'Content-Type: application/json',
      '--data-binary',
      `@${plain}`,
      `${base}/a`,
      '--next',
      '-o',
      '/dev/null',
      '-H',
      'Content-Type: application/json',
      '-H',
      'Content-Encoding: gzip',
      '--data-binary',
      `@${gz}`,
      `${base}/b`,
    ]);
    assert.match(stderr, /Re-using existing connection|Reusing existing/i);
    assert.deepEqual(
      d.events().map((e) => [e.tag, e.record]),
      [
        ['a', { n: 1 }],
        ['a', { n: 2 }],
        ['b', { n: 3 }],
      ],
    );
  } finally {
    await d.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('curl: CORS preflight and a too-large body', async () => {
  const { d, port } = await startHttp('cors_allow_origins ["http://app.local"]\nbody_size_limit 64');
  try {
    const pre = await curl([
      '-i',
      '-X',
      'OPTIONS',
      '-H',
      'Origin: http://app.local',
      '-H',
      'Access-Control-Request-Method: POST',
      '-H',
      'Access-Control-Request-Headers: content-type',
      `http://127.0.0.1:${port}/x`,
    ]);
    assert.match(pre.stdout, /^HTTP\/1.1 200 OK\r\n/);
    assert.match(pre.stdout, /Access-Control-Allow-Origin: http:\/\/app.local\r\n/);
    assert.match(pre.stdout, /Access-Control-Allow-Methods: POST\r\n/);
    const big = await curl([
      '-i',
      '-H',
      'Content-Type: application/json',
      '-d',
      JSON.stringify({ x: 'y'.repeat(200) }),
      `http://127.0.0.1:${port}/x`,
    ]);
    assert.match(big.stdout, /^HTTP\/1.1 413 Request Entity Too Large\r\n/);
    assert.match(big.stdout, /Too large$/);
    assert.equal(d.events().length, 0);
  } finally {
    await d.shutdown();
  }
});
