// Serving a finished job's result, stored as `<id>.msgpack.gz` (gzip of one msgpack array per row):
//
//   format=msgpack.gz   the file as is (Range / If-Range with an ETag, for resumed downloads)
//   format=msgpack      the file with `Content-Encoding: gzip` when the client accepts gzip
//                       (td-client does, and resumes with Range on the encoded bytes); inflated
//                       on the fly otherwise
//   format=json         one JSON array per row, one row per line
//   format=csv | tsv    one line per row, no header; null is empty, maps/arrays are JSON text;
//                       csv quotes fields holding , " CR LF; tsv escapes \ TAB CR LF as \\ \t \r \n
//
// Everything streams with backpressure; nothing holds a whole result in memory.

import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { UnpackrStream } from 'msgpackr';
import { ApiError } from './http.js';

export const RESULT_FORMATS = ['msgpack', 'msgpack.gz', 'json', 'csv', 'tsv'] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length).toString('utf8');
  if (typeof v === 'object') return jsonText(v);
  return String(v);
}

function jsonText(v: unknown): string {
  return JSON.stringify(v, function (this: Record<string, unknown>, k: string, x: unknown) {
    const orig = this[k];
    if (orig instanceof Uint8Array)
      return Buffer.from(orig.buffer, orig.byteOffset, orig.length).toString('utf8');
    return typeof x === 'bigint' ? x.toString() : x;
  });
}

function csvField(v: unknown): string {
  const s = text(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function tsvField(v: unknown): string {
  return text(v).replace(/[\\\t\r\n]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : '\\n',
  );
}

function rowFormatter(format: 'json' | 'csv' | 'tsv'): (row: unknown[]) => string {
  if (format === 'json') return (row) => jsonText(row) + '\n';
  if (format === 'csv') return (row) => row.map(csvField).join(',') + '\r\n';
  return (row) => row.map(tsvField).join('\t') + '\n';
}

const CONTENT_TYPES: Record<ResultFormat, string> = {
  msgpack: 'application/x-msgpack',
  'msgpack.gz': 'application/octet-stream',
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  tsv: 'text/tab-separated-values; charset=utf-8',
};

function acceptsGzip(req: IncomingMessage): boolean {
  const ae = req.headers['accept-encoding'];
  return typeof ae === 'string' && /\bgzip\b/i.test(ae) && !/\bgzip\s*;\s*q=0(\.0*)?\b/i.test(ae);
}

/** Serve a file whole or by one `bytes=` range, with ETag / If-Range. */
async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  contentType: string,
  encoding?: string,
): Promise<void> {
  const st = fs.statSync(file);
  const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  let start = 0;
  let end = st.size - 1;
  let status = 200;
  const headers: Record<string, string | number> = {
    'Content-Type': contentType,
    ETag: etag,
    'Accept-Ranges': 'bytes',
  };
  if (encoding) headers['Content-Encoding'] = encoding;
  const range = req.headers.range;
  const ifRange = req.headers['if-range'];
  if (range && (!ifRange || ifRange === etag)) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (m && (m[1] || m[2])) {
      if (m[1]) {
        start = Number(m[1]);
        if (m[2]) end = Math.min(end, Number(m[2]));
      } else {
        start = Math.max(0, st.size - Number(m[2]));
      }
      if (start > end || start >= st.size) {
        res.writeHead(416, { 'Content-Range': `bytes */${st.size}` });
        res.end();
        return;
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
    }
  }
  headers['Content-Length'] = end - start + 1;
  res.writeHead(status, headers);
  await pipeline(fs.createReadStream(file, { start, end }), res);
}

export async function sendResult(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  format: string,
): Promise<void> {
  if (!(RESULT_FORMATS as readonly string[]).includes(format)) {
    throw new ApiError(400, `Unsupported result format '${format}'; use ${RESULT_FORMATS.join(', ')}`);
  }
  const f = format as ResultFormat;
  if (f === 'msgpack.gz') return sendFile(req, res, file, CONTENT_TYPES[f]);
  if (f === 'msgpack' && acceptsGzip(req)) return sendFile(req, res, file, CONTENT_TYPES[f], 'gzip');
  res.writeHead(200, { 'Content-Type': CONTENT_TYPES[f] });
  if (f === 'msgpack') {
    await pipeline(fs.createReadStream(file), zlib.createGunzip(), res);
    return;
  }
  const fmt = rowFormatter(f);
  const toText = new Transform({
    writableObjectMode: true,
    transform(row: unknown[], _enc, cb) {
      cb(null, fmt(row));
    },
  });
  const rows = new UnpackrStream({ useRecords: false, mapsAsObjects: true, int64AsType: 'bigint' });
  await pipeline(fs.createReadStream(file), zlib.createGunzip(), rows, toText, res);
}
