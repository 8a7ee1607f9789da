// Reading a request body without a promise or closure per request: the state lives in one
// Exchange object hung off the request under a symbol, and two shared listeners ('data',
// 'end') find it through `this`. An aborted request needs no listener: its socket is gone,
// nothing is answered and the Exchange is dropped with it.

import type * as http from 'node:http';
import type { HeaderList } from './cors.js';

const EMPTY = Buffer.alloc(0);
const EXCHANGE = Symbol('in_http.exchange');

/** What the body reader hands the finished (or refused) body to. */
export interface BodySink {
  readonly bodyLimit: number;
  /** The body passed bodyLimit; the rest is not buffered. */
  answerTooLarge(req: http.IncomingMessage, res: http.ServerResponse): void;
  onBody(x: Exchange, body: Buffer): void;
}

/** One request being read: its body so far and what its answer needs. */
export class Exchange {
  first: Buffer | undefined = undefined;
  more: Buffer[] | undefined = undefined;
  size = 0;
  over = false;
  constructor(
    readonly sink: BodySink,
    readonly req: http.IncomingMessage,
    readonly res: http.ServerResponse,
    /** CORS headers every answer to this request carries. */
    readonly cors: HeaderList,
  ) {}
}

type Req = http.IncomingMessage & { [EXCHANGE]?: Exchange };

function onBodyData(this: Req, chunk: Buffer): void {
  const x = this[EXCHANGE]!;
  if (x.over) return;
  x.size += chunk.length;
  if (x.size > x.sink.bodyLimit) {
    x.over = true;
    x.first = undefined;
    x.more = undefined;
    this.off('data', onBodyData);
    this.pause();
    x.sink.answerTooLarge(x.req, x.res);
    return;
  }
  if (x.first === undefined) x.first = chunk;
  else if (x.more === undefined) x.more = [chunk];
  else x.more.push(chunk);
}

function onBodyEnd(this: Req): void {
  const x = this[EXCHANGE]!;
  if (x.over) return;
  const first = x.first ?? EMPTY;
  x.sink.onBody(x, x.more === undefined ? first : Buffer.concat([first, ...x.more], x.size));
}

/** Starts reading `req`'s body; `sink.onBody` gets it whole. */
export function readRequestBody(
  sink: BodySink,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  cors: HeaderList,
): void {
  (req as Req)[EXCHANGE] = new Exchange(sink, req, res, cors);
  req.on('data', onBodyData);
  req.on('end', onBodyEnd);
}
