// HTTP load generator: `conns` keep-alive connections, each sending one pre-encoded request and
// waiting for its response before the next (no pipelining), until `requests` were answered 2xx.
//
//   POST /<tag> HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: <type>\r\nContent-Length: <n>\r\n\r\n<body>
//
// Responses are parsed just enough to find their end (Content-Length, or a chunked body's
// terminator) and their status. A non-2xx answer (503 = backpressure) is counted and the request
// is sent again; a closed connection is reopened.

import * as net from 'node:net';
import { cpuSince, exitOnClose, fail, options, send, waitMessage } from './ipc.js';

interface Opts {
  port: number;
  tag: string;
  contentType: string;
  body: string;
  requests: number;
  conns: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CHUNKED_END = Buffer.from('0\r\n\r\n');

/** Length of the first complete response in `buf` and its status, or undefined if incomplete. */
function parseResponse(buf: Buffer): { length: number; status: number; close: boolean } | undefined {
  const h = buf.indexOf(HEADER_END);
  if (h < 0) return undefined;
  const head = buf.toString('latin1', 0, h);
  const status = Number(head.slice(9, 12));
  const close = /\r\nconnection:\s*close/i.test(head);
  const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (cl) {
    const length = h + 4 + Number(cl[1]);
    return buf.length >= length ? { length, status, close } : undefined;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const e = buf.indexOf(CHUNKED_END, h + 4);
    return e < 0 ? undefined : { length: e + CHUNKED_END.length, status, close };
  }
  return { length: h + 4, status, close }; // 204/304 style: no body
}

async function main(): Promise<void> {
  const o = options<Opts>();
  const body = Buffer.from(o.body);
  const request = Buffer.concat([
    Buffer.from(
      `POST /${o.tag} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${o.contentType}\r\n` +
        `Content-Length: ${body.length}\r\n\r\n`,
    ),
    body,
  ]);
  let issued = 0;
  let ok = 0;
  const statuses: Record<string, number> = {};
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  let running = false;
  const sockets = new Set<net.Socket>();

  const open = (): Promise<net.Socket> =>
    new Promise((resolve, reject) => {
      const s = net.connect({ port: o.port, host: '127.0.0.1' });
      s.setNoDelay(true);
      let pending = Buffer.alloc(0);
      let inFlight = false;
      const next = () => {
        if (issued >= o.requests) return;
        issued++;
        inFlight = true;
        s.write(request);
      };
      s.once('connect', () => {
        sockets.add(s);
        resolve(s);
      });
      s.once('error', reject);
      s.on('data', (d) => {
        pending = pending.length ? Buffer.concat([pending, d]) : d;
        for (;;) {
          const r = parseResponse(pending);
          if (!r) break;
          pending = pending.subarray(r.length);
          inFlight = false;
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          if (r.status >= 200 && r.status < 300) ok++;
          else issued--;
          if (ok >= o.requests) finish();
          if (r.close) {
            s.destroy();
            return;
          }
          next();
        }
      });
      s.on('close', () => {
        sockets.delete(s);
        if (inFlight) issued--;
        if (running && ok < o.requests) open().then((n) => n.emit('bench-start'), fail);
      });
      s.on('bench-start', next);
    });

  for (let i = 0; i < o.conns; i++) await open();
  exitOnClose(() => {
    for (const s of sockets) s.destroy();
  });
  send({ type: 'ready', reqBytes: request.length });

  await waitMessage('go');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  running = true;
  for (const s of sockets) s.emit('bench-start');
  await finished;
  running = false;
  send({
    type: 'done',
    cpuSeconds: cpuSince(cpu0),
    wallSeconds: (performance.now() - t0) / 1000,
    requests: ok,
    statuses,
  });
}

main().catch(fail);
