// Writing in_http's answers. Every answer has an HTTP/1.1 status line, Content-Length (except
// 204), Content-Type text/plain unless stated, and an explicit Connection header (Keep-Alive,
// or close when the client or the error asks for it); no Date header.
//
// Cost decisions (issue 9): header lists are flat arrays handed to writeHead as they are, built
// once for the success answers; an empty body is sent with `res.end()` and no chunk, so node
// writes status line and headers as ONE string in one write(2). (`res.end(emptyBuffer)` queues
// header, chunk and terminator separately: a writev of three pieces per answer.)

import type * as http from 'node:http';
import type { HeaderList } from './cors.js';

/** 1x1 transparent GIF, 35 bytes (respond_with_empty_img). */
export const EMPTY_GIF = Buffer.from(
  '47494638396101000100800000000000ffffff2c00000000010001000002024401003b',
  'hex',
);

/** True when the connection may stay open after this answer (HTTP/1.0 must ask for it). */
export function wantsKeepAlive(req: http.IncomingMessage): boolean {
  const conn = req.headers.connection;
  if (req.httpVersion === '1.0') return conn?.toLowerCase().includes('keep-alive') === true;
  return conn === undefined || !conn.toLowerCase().includes('close');
}

/** One kind of success answer, with its header lists precomputed for both connection modes. */
export class SuccessReply {
  private readonly keep: HeaderList;
  private readonly close: HeaderList;
  private readonly fixedHead: HeaderList;

  constructor(
    readonly status: number,
    private readonly body: Buffer | undefined,
    contentType: string,
  ) {
    this.fixedHead = ['Content-Type', contentType];
    const len = status === 204 ? [] : ['Content-Length', String(body?.length ?? 0)];
    this.keep = [...this.fixedHead, ...len, 'Connection', 'Keep-Alive'];
    this.close = [...this.fixedHead, ...len, 'Connection', 'close'];
  }

  /** Writes the answer; `cors` headers (usually none) go after Content-Type. */
  send(res: http.ServerResponse, keepAlive: boolean, cors: HeaderList): void {
    res.sendDate = false;
    let headers = keepAlive ? this.keep : this.close;
    if (cors.length > 0) headers = [...this.fixedHead, ...cors, ...headers.slice(this.fixedHead.length)];
    res.writeHead(this.status, headers);
    if (this.body === undefined) res.end();
    else res.end(this.body);
  }
}

/** Any other answer (errors, CORS preflight, GET): built per call, these are rare. */
export function sendOther(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  body: string,
  extra: HeaderList,
  forceClose: boolean,
): void {
  res.sendDate = false;
  const close = forceClose || !wantsKeepAlive(req);
  const len = Buffer.byteLength(body);
  const headers: HeaderList = ['Content-Type', 'text/plain', ...extra];
  if (status !== 204) headers.push('Content-Length', String(len));
  headers.push('Connection', close ? 'close' : 'Keep-Alive');
  if (status === 413)
    res.writeHead(413, 'Request Entity Too Large', headers); // Fluentd's wording
  else res.writeHead(status, headers);
  if (len === 0 || status === 204) res.end();
  else res.end(body);
  if (close && status === 413) res.once('finish', () => req.socket.destroySoon());
}
