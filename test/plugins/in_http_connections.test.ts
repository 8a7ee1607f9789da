// in_http under many idle and slow connections: others keep being served, memory stays bounded.

import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { waitFor } from '../helpers/proc.js';
import { json, request, startHttp } from './in_http_support.js';

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

test('2,000 idle connections and slow half-sent requests do not stop other clients', async () => {
  const { d, port } = await startHttp();
  const sockets: net.Socket[] = [];
  try {
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 2000; i++) {
      const s = await connect(port);
      s.on('error', () => {});
      // Half of them start a request and never finish it (slowloris).
      if (i % 2) s.write(`POST /slow.${i} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a":`);
      sockets.push(s);
    }
    const r = await request(port, json('{"ok":1}', '/good.tag'));
    assert.equal(r.status, 200);
    await waitFor(() => d.records().some((x) => x.ok === 1), 'the good event');
    assert.ok(!d.records().some((x) => 'a' in x), 'no half-sent request was emitted');
    const grew = (process.memoryUsage().rss - rss0) / 1024 / 1024;
    assert.ok(grew < 200, `RSS grew ${grew.toFixed(1)} MiB for 2,000 connections`);
  } finally {
    for (const s of sockets) s.destroy();
    await d.shutdown();
  }
});
