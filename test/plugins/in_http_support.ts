// Shared by the in_http tests: start an HttpInput on an ephemeral port under the input test
// driver, and a small promise-based HTTP client.

import * as http from 'node:http';
import { HttpInput } from '../../src/plugins/in_http/index.js';
import { InputTestDriver } from '../../src/test-driver/index.js';

export interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export async function startHttp(extra = ''): Promise<{ d: InputTestDriver<HttpInput>; port: number }> {
  const d = new InputTestDriver(HttpInput, `port 0\nbind 127.0.0.1\n${extra}`);
  await d.start();
  return { d, port: d.instance.port };
}

export function request(
  port: number,
  opts: {
    method?: string;
    path?: string;
    headers?: Record<string, string | number>;
    body?: string | Buffer;
    agent?: http.Agent | false;
  },
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'POST',
        path: opts.path ?? '/test.tag',
        headers: opts.headers ?? {},
        agent: opts.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function form(body: string, path = '/test.tag', headers: Record<string, string> = {}) {
  return { path, body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } };
}

export function json(body: string, path = '/test.tag', headers: Record<string, string> = {}) {
  return { path, body, headers: { 'Content-Type': 'application/json', ...headers } };
}
