// Writing in_http's answers. Every answer has an HTTP/1.1 status line, Content-Length (except
// 204), Content-Type text/plain unless stated, and an explicit Connection header (Keep-Alive,
// or close when the client or the error asks for it); no Date header.
//
// Cost decisions (issue 9): header lists are flat arrays handed to writeHead as they are, built
// once for the success answers; an empty body is sent with `res.end()` and no chunk, so node
// writes status line and headers as ONE string in one write(2). (`res.end(emptyBuffer)` queues
// header, chunk and terminator separately: a writev of three pieces per answer.)

import * as http from 'node:http';
import type { HeaderList } from './cors.js';

/** 1x1 transparent GIF, 35 bytes (respond_with_empty_img). */
export const EMPTY_GIF = Buffer.from(
  '47494638396101000100800000000000ffffff2c00000000010001000002024401003b',
  'hex',
);

/** True when the connection may stay open after this answer (HTTP/1.0 must ask for it). */
export function wantsKeepAlive(req: http.IncomingMessage): boolean {
  return keepAliveFor(req.httpVersion === '1.0', req.headers.connection);
}

/** wantsKeepAlive from the request's version and Connection header. */
export function keepAliveFor(http10: boolean, conn: string | undefined): boolean {
  if (http10) return conn?.toLowerCase().includes('keep-alive') === true;
  return conn === undefined || !conn.toLowerCase().includes('close');
}

/** Reason phrases as in_http sends them (413 keeps Fluentd's wording). */
function reasonOf(status: number): string {
  return status === 413 ? 'Request Entity Too Large' : (http.STATUS_CODES[status] ?? 'unknown');
}

/**
 * The bytes node:http puts on the wire for `writeHead(status, reason, headers)` then
 * `end(body)` with sendDate off and an explicit Connection header (no Date, no Keep-Alive, no
 * Transfer-Encoding): the fast path writes answers itself, byte-identical to those.
 */
export function answerBytes(status: number, headers: HeaderList, body?: Buffer): Buffer {
  let head = `HTTP/1.1 ${status} ${reasonOf(status)}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  head += '\r\n';
  const h = Buffer.from(head, 'latin1');
  return body === undefined || body.length === 0 ? h : Buffer.concat([h, body]);
}

/** One kind of success answer, with its header lists precomputed for both connection modes. */
export class SuccessReply {
  private readonly keep: HeaderList;
  private readonly close: HeaderList;
  private readonly fixedHead: HeaderList;
  /** The whole answer as bytes, without CORS headers (the fast path's). */
  readonly keepBytes: Buffer;
  readonly closeBytes: Buffer;

  constructor(
    readonly status: number,
    private readonly body: Buffer | undefined,
    contentType: string,
  ) {
    this.fixedHead = ['Content-Type', contentType];
    const len = status === 204 ? [] : ['Content-Length', String(body?.length ?? 0)];
    this.keep = [...this.fixedHead, ...len, 'Connection', 'Keep-Alive'];
    this.close = [...this.fixedHead, ...len, 'Connection', 'close'];
    this.keepBytes = answerBytes(status, this.keep, body);
    this.closeBytes = answerBytes(status, this.close, body);
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
  const headers = otherHeaders(status, len, extra, close);
  if (status === 413)
    res.writeHead(413, 'Request Entity Too Large', headers); // Fluentd's wording
  else res.writeHead(status, headers);
  if (len === 0 || status === 204) res.end();
  else res.end(body);
  if (close && status === 413) res.once('finish', () => req.socket.destroySoon());
}

/** The header list of sendOther's answers. */
function otherHeaders(status: number, len: number, extra: HeaderList, close: boolean): HeaderList {
  const headers: HeaderList = ['Content-Type', 'text/plain', ...extra];
  if (status !== 204) headers.push('Content-Length', String(len));
  headers.push('Connection', close ? 'close' : 'Keep-Alive');
  return headers;
}

/** sendOther's answer as bytes (the fast path's errors); `close` is already decided. */
export function otherBytes(status: number, body: string, extra: HeaderList, close: boolean): Buffer {
  const b = Buffer.from(body, 'utf8');
  return answerBytes(status, otherHeaders(status, b.length, extra, close), status === 204 ? undefined : b);
}
