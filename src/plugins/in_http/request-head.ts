// The head of the one request shape the fast path serves (fast-path.ts), parsed from bytes:
//
//   POST <path>[?<query>] HTTP/1.1\r\n        (or HTTP/1.0)
//   <name>: <value>\r\n  ...                   exactly one Content-Length (decimal digits)
//   \r\n
//   <Content-Length bytes of body>
//
// Kept: Content-Length, Content-Type, Connection, X-Forwarded-For; every other header is
// skipped after a syntax check. Anything this parser does not fully understand is NOT an
// error here: it answers HAND_OVER and node:http gets the connection (and answers exactly as
// it always did, 400 included). That covers: another method; another version; a target that is
// not origin-form printable ASCII; Transfer-Encoding, Expect, Upgrade, Content-Encoding; no
// Content-Length, a repeated one, or one that is not plain digits; a repeated Content-Type,
// Connection or X-Forwarded-For (node joins or drops those); a header name outside the token
// set; a value with a control byte; a bare LF; an obs-fold continuation line; a head of
// MAX_HEAD bytes or more (node's own limit, 16 KiB, answers 431); HTTP/1.1 without Host
// (node:http answers 400: requireHostHeader, RFC 9112 §3.2).

/** node:http's default maxHeaderSize: the request line and headers together. */
export const MAX_HEAD = 16 * 1024;

/** Parse outcome: not all of the head has arrived yet. */
export const INCOMPLETE = 0;
/** Parse outcome: this request is not for the fast path. */
export const HAND_OVER = 1;

export interface RequestHead {
  /** Bytes of the request line and headers, blank line included. */
  headLength: number;
  bodyLength: number;
  url: string;
  http10: boolean;
  contentType: string | undefined;
  connection: string | undefined;
  forwardedFor: string | undefined;
}

/** RFC 9110 tchar by byte. */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;

const POST = Buffer.from('POST /');
const V11 = Buffer.from(' HTTP/1.1\r\n');
const V10 = Buffer.from(' HTTP/1.0\r\n');

function startsWith(b: Buffer, at: number, what: Buffer): boolean {
  if (b.length - at < what.length) return false;
  for (let i = 0; i < what.length; i++) if (b[at + i] !== what[i]) return false;
  return true;
}

const HOST = Buffer.from('host');
const CONTENT_LENGTH = Buffer.from('content-length');
const CONTENT_TYPE = Buffer.from('content-type');
const CONNECTION = Buffer.from('connection');
const FORWARDED_FOR = Buffer.from('x-forwarded-for');
/** Header names the fast path must not see (node:http handles them). */
const REFUSED = ['transfer-encoding', 'expect', 'upgrade', 'content-encoding'].map((n) => Buffer.from(n));

/**
 * True when the token at b[at, at+name.length) is `name` (lower-case letters and '-') in any
 * case. `| 0x20` lower-cases letters and maps no other token byte onto a letter or '-'.
 */
function nameIs(b: Buffer, at: number, len: number, name: Buffer): boolean {
  if (len !== name.length) return false;
  for (let i = 0; i < len; i++) if ((b[at + i]! | 0x20) !== name[i]) return false;
  return true;
}

/**
 * Parses the head at the start of `b`: a RequestHead, INCOMPLETE (wait for more bytes) or
 * HAND_OVER. `b` may hold more than one request (pipelining); only the first is looked at.
 */
export function parseHead(b: Buffer): RequestHead | typeof INCOMPLETE | typeof HAND_OVER {
  const n = b.length;
  // The method, compared as far as bytes have arrived.
  const m = Math.min(n, POST.length);
  for (let i = 0; i < m; i++) if (b[i] !== POST[i]) return HAND_OVER;
  let i = POST.length - 1;
  while (i < n) {
    const c = b[i]!;
    if (c <= 0x20 || c >= 0x7f) break;
    i++;
  }
  if (i >= MAX_HEAD) return HAND_OVER;
  if (i === n) return INCOMPLETE;
  const url = b.toString('latin1', POST.length - 1, i);
  let http10: boolean;
  if (startsWith(b, i, V11)) http10 = false;
  else if (startsWith(b, i, V10)) http10 = true;
  else return n - i < V11.length ? INCOMPLETE : HAND_OVER;
  let pos = i + V11.length;
  let bodyLength = -1;
  let contentType: string | undefined;
  let connection: string | undefined;
  let forwardedFor: string | undefined;
  let host = http10;
  for (;;) {
    if (pos >= MAX_HEAD) return HAND_OVER;
    if (pos + 1 >= n) return INCOMPLETE;
    if (b[pos] === 0x0d) {
      if (b[pos + 1] !== 0x0a) return HAND_OVER;
      pos += 2;
      break;
    }
    // name
    let j = pos;
    while (j < n && TOKEN[b[j]!] === 1) j++;
    if (j === n) return j >= MAX_HEAD ? HAND_OVER : INCOMPLETE;
    if (j === pos || b[j] !== 0x3a) return HAND_OVER;
    const nameEnd = j;
    j++;
    // value: OWS, then visible bytes / spaces / tabs / obs-text, up to CRLF
    while (j < n && (b[j] === 0x20 || b[j] === 0x09)) j++;
    const valueStart = j;
    let valueEnd = j;
    for (;;) {
      if (j === n) return j >= MAX_HEAD ? HAND_OVER : INCOMPLETE;
      const c = b[j]!;
      if (c === 0x0d) break;
      if (c < 0x20 ? c !== 0x09 : c === 0x7f) return HAND_OVER;
      j++;
      if (c !== 0x20 && c !== 0x09) valueEnd = j;
    }
    if (j + 1 >= n) return j + 1 >= MAX_HEAD ? HAND_OVER : INCOMPLETE;
    if (b[j + 1] !== 0x0a) return HAND_OVER;
    const len = nameEnd - pos;
    // Only a few names matter (4, then 6 to 17 bytes long); compared case-insensitively.
    if (len === 4) {
      if (nameIs(b, pos, len, HOST)) host = true;
    } else if (len >= 6 && len <= 17) {
      if (nameIs(b, pos, len, CONTENT_LENGTH)) {
        if (bodyLength >= 0 || valueEnd === valueStart || valueEnd - valueStart > 15) return HAND_OVER;
        let v = 0;
        for (let k = valueStart; k < valueEnd; k++) {
          const d = b[k]! - 0x30;
          if (d < 0 || d > 9) return HAND_OVER;
          v = v * 10 + d;
        }
        bodyLength = v;
      } else if (nameIs(b, pos, len, CONTENT_TYPE)) {
        if (contentType !== undefined) return HAND_OVER;
        contentType = b.toString('latin1', valueStart, valueEnd);
      } else if (nameIs(b, pos, len, CONNECTION)) {
        if (connection !== undefined) return HAND_OVER;
        connection = b.toString('latin1', valueStart, valueEnd);
      } else if (nameIs(b, pos, len, FORWARDED_FOR)) {
        if (forwardedFor !== undefined) return HAND_OVER;
        forwardedFor = b.toString('latin1', valueStart, valueEnd);
      } else if (REFUSED.some((r) => nameIs(b, pos, len, r))) return HAND_OVER;
    }
    pos = j + 2;
  }
  if (bodyLength < 0 || !host) return HAND_OVER;
  return { headLength: pos, bodyLength, url, http10, contentType, connection, forwardedFor };
}
