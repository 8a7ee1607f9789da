// The network baseline: a raw Node socket reader that only counts bytes, i.e. the I/O limit of
// this machine for the same load generator.
//
//   mode "tcp"   counts bytes; `n` = bytes received on all connections
//   mode "http"  counts bytes per connection; each `reqBytes` received (the generator sends
//                identical requests) is answered with a canned empty 200; `n` = requests
//
// After "ready" (with its port) it takes {type:"expect", n, reqBytes?} from the harness, once the
// generator knows its byte and request sizes. Reports {type:"count", n} every 50 ms and at once
// when `n` reaches the expected total.

import * as net from 'node:net';
import { exitOnClose, fail, options, send, waitMessage } from './ipc.js';

interface Opts {
  mode: 'tcp' | 'http';
  expect: number;
  reqBytes: number;
}

const RESPONSE = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: Keep-Alive\r\n\r\n',
);

function main(): void {
  const o = options<Opts>();
  o.expect = Number.POSITIVE_INFINITY;
  o.reqBytes = Number.POSITIVE_INFINITY; // until told: requests only accumulate
  waitMessage('expect').then((m) => {
    o.expect = Number(m.n);
    o.reqBytes = Number(m.reqBytes ?? Number.POSITIVE_INFINITY);
  });
  let n = 0;
  let reported = false;
  const progress = () => {
    if (n >= o.expect && !reported) {
      reported = true;
      send({ type: 'count', n });
    }
  };
  const server = net.createServer((sock) => {
    let pending = 0;
    sock.setNoDelay(true);
    sock.on('error', () => {});
    sock.on('data', (d) => {
      if (o.mode === 'tcp') {
        n += d.length;
      } else {
        pending += d.length;
        let answers = 0;
        while (pending >= o.reqBytes) {
          pending -= o.reqBytes;
          answers++;
        }
        if (answers) {
          n += answers;
          sock.write(answers === 1 ? RESPONSE : Buffer.concat(Array(answers).fill(RESPONSE)));
        }
      }
      progress();
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address() as net.AddressInfo;
    send({ type: 'ready', port: addr.port });
  });
  setInterval(() => send({ type: 'count', n }), 50).unref();
  exitOnClose(() => server.close());
}

try {
  main();
} catch (e) {
  fail(e);
}
