// Request → events (spec plugins §3.3). The fields come from the query string, a form body
// (urlencoded or multipart; its fields override the query's) or the body itself:
//
//   Content-Type                          the body is the field
//   application/json, csp-report          json
//   application/msgpack                   msgpack
//   application/x-ndjson                  ndjson
//
// Precedence msgpack > json > ndjson; `time=` (float seconds) sets every event's time.
// json/msgpack: an object is one event, an array a batch (non-objects in it skipped); other
// values are a BadRequest. Without `time=`, each record's time_key field (removed unless
// keep_time_key) is its time, else the request's arrival time.
// With `<parse> @type X` the raw body goes to that parser instead.
//
// Everything ends in one EventStream built in place; a BadRequest thrown anywhere means no
// event of the request is emitted.

import { EventStream, type Rec } from '../../core/event-stream.js';
import { EventTime } from '../../core/event-time.js';
import { decodeMultiple } from '../../core/msgpack.js';
import { parseForm, parseMultipart } from '../../helpers/http-server.js';
import { TimeParser } from '../../helpers/time-parser.js';
import type { Parser } from '../../plugin/parser.js';
import { parseJson, parseJsonText } from './json.js';

export class BadRequest extends Error {}

export interface RecordOptions {
  timeKey: string;
  keepTimeKey: boolean;
  timeParser: TimeParser | undefined;
  customParser: Parser<any> | undefined;
  addHttpHeaders: boolean;
  addQueryParams: boolean;
  addRemoteAddr: boolean;
}

type Fields = Map<string, Buffer> | undefined;

/**
 * What building events reads of a request: its headers (lower-case names, as node:http gives
 * them) and the peer address. An http.IncomingMessage is one; the fast path makes a small one.
 */
export interface RequestView {
  readonly headers: {
    readonly 'content-type'?: string | undefined;
    readonly [name: string]: string | string[] | undefined;
  };
  readonly socket: { readonly remoteAddress?: string | undefined };
}

function isObject(v: unknown): v is Rec {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function rubyClassName(v: unknown): string {
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return 'String';
  if (Array.isArray(v)) return 'Array';
  return 'Hash';
}

/** Throws unless `v` is nothing, an object or an array (the shapes that carry events). */
function checkShape(v: unknown, what: string): void {
  if (v !== null && v !== undefined && typeof v === 'object' && !(v instanceof Uint8Array)) return;
  if (v === null || v === undefined) return;
  throw new BadRequest(`${what} must be an object or an array of objects`);
}

/** A request field: the body itself, else the form body's field, else the query's. */
function field(name: string, direct: string | undefined, body: Buffer, form: Fields, query: Fields) {
  if (direct === name) return body;
  return form?.get(name) ?? query?.get(name);
}

export class EventBuilder {
  private readonly floatTime = new TimeParser({ type: 'float' });
  private readonly wantsExtra: boolean;
  /** Arrival time of the request being built, taken on first use. */
  private now: EventTime | undefined;

  constructor(private readonly o: RecordOptions) {
    this.wantsExtra = o.addHttpHeaders || o.addQueryParams || o.addRemoteAddr;
  }

  /** The events of one request (possibly none). Throws BadRequest with the message to show. */
  build(req: RequestView, url: string, queryAt: number, body: Buffer): EventStream {
    this.now = undefined;
    const query: Fields = queryAt < 0 ? undefined : parseForm(url.slice(queryAt + 1));
    const es = new EventStream();
    const extra = this.wantsExtra ? this.extraFields(req, query) : undefined;
    if (this.o.customParser) {
      this.fromParser(body, query, extra, es);
      return es;
    }
    let form: Fields;
    let direct: string | undefined;
    const ctype = req.headers['content-type'];
    if (ctype !== undefined) {
      const t = ctype.toLowerCase();
      if (t.startsWith('application/json') || t.startsWith('application/csp-report')) direct = 'json';
      else if (t.startsWith('application/x-www-form-urlencoded')) form = parseForm(body);
      else if (t.startsWith('multipart/form-data')) {
        const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(ctype);
        if (!m) throw new BadRequest('multipart/form-data without a boundary');
        form = parseMultipart(body, m[1] ?? m[2]!);
      } else if (t.startsWith('application/msgpack')) direct = 'msgpack';
      else if (t.startsWith('application/x-ndjson')) direct = 'ndjson';
    }
    const paramTime = this.paramTime(field('time', direct, body, form, query));
    const mp = field('msgpack', direct, body, form, query);
    if (mp !== undefined) {
      let objs: unknown[];
      try {
        objs = decodeMultiple(mp);
      } catch (e) {
        throw new BadRequest(`invalid msgpack: ${(e as Error).message}`);
      }
      for (const v of objs) checkShape(v, 'msgpack');
      for (const v of objs) this.addValue(es, v, paramTime, extra);
      return es;
    }
    const js = field('json', direct, body, form, query);
    if (js !== undefined) {
      let v: unknown;
      try {
        v = parseJson(js);
      } catch (e) {
        throw new BadRequest(`invalid JSON: ${(e as Error).message}`);
      }
      checkShape(v, 'json');
      this.addValue(es, v, paramTime, extra);
      return es;
    }
    const nd = field('ndjson', direct, body, form, query);
    if (nd === undefined) throw new BadRequest("'json', 'ndjson' or 'msgpack' parameter is required");
    const values: unknown[] = [];
    const lines = nd.toString('utf8').split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === '') continue;
      let v: unknown;
      try {
        v = parseJsonText(line);
      } catch (e) {
        throw new BadRequest(`invalid JSON in ndjson line ${i + 1}: ${(e as Error).message}`);
      }
      checkShape(v, 'ndjson line');
      values.push(v);
    }
    for (const v of values) this.addValue(es, v, paramTime, extra);
    return es;
  }

  private paramTime(t: Buffer | undefined): EventTime | undefined {
    if (t === undefined) return undefined;
    const f = this.floatTime.parse(t.toString('utf8'));
    return f.sec === 0 && f.nsec === 0 ? undefined : f;
  }

  /** Adds an object (one event) or an array's objects; other values were checked before. */
  private addValue(
    es: EventStream,
    v: unknown,
    paramTime: EventTime | undefined,
    extra: Rec | undefined,
  ): void {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const r = v[i];
        if (isObject(r)) this.addRecord(es, r, paramTime, extra);
      }
    } else if (isObject(v)) this.addRecord(es, v, paramTime, extra);
  }

  private addRecord(es: EventStream, r: Rec, paramTime: EventTime | undefined, extra: Rec | undefined): void {
    if (extra) Object.assign(r, extra);
    const t = paramTime ?? this.recordTime(r) ?? this.arrival();
    es.add(t.sec, t.nsec, r);
  }

  private arrival(): EventTime {
    if (this.now === undefined) this.now = EventTime.now();
    return this.now;
  }

  private fromParser(body: Buffer, query: Fields, extra: Rec | undefined, es: EventStream): void {
    const parser = this.o.customParser!;
    const records: Rec[] = [];
    const times: (EventTime | undefined)[] = [];
    parser.parse(body, (time, record) => {
      if (record === null)
        throw new BadRequest(`Received event is not ${parser.type}: ${body.toString('utf8', 0, 200)}`);
      records.push(record);
      times.push(time);
    });
    const paramTime = this.paramTime(query?.get('time'));
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      if (extra) Object.assign(r, extra);
      const t = paramTime ?? times[i] ?? this.arrival();
      es.add(t.sec, t.nsec, r);
    }
  }

  /** HTTP_*, QUERY_* and REMOTE_ADDR fields added to every record. */
  private extraFields(req: RequestView, query: Fields): Rec {
    const o = this.o;
    const extra: Rec = {};
    if (o.addHttpHeaders) {
      for (const [k, v] of Object.entries(req.headers)) {
        extra[`HTTP_${k.replace(/-/g, '_').toUpperCase()}`] = Array.isArray(v) ? v.join(', ') : v;
      }
    }
    if (o.addQueryParams && query) {
      for (const [k, v] of query) extra[`QUERY_${k.replace(/-/g, '_').toUpperCase()}`] = v.toString('utf8');
    }
    if (o.addRemoteAddr) {
      const xff = req.headers['x-forwarded-for'];
      const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
      extra.REMOTE_ADDR = first || (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    }
    return extra;
  }

  /** The record's time field (removed unless keep_time_key), Fluentd's convert_time_field. */
  private recordTime(r: Rec): EventTime | undefined {
    const key = this.o.timeKey;
    const v = r[key];
    if (v === undefined) return undefined;
    if (!this.o.keepTimeKey) delete r[key];
    if (v === null || v === false) return undefined;
    if (this.o.timeParser) {
      try {
        return this.o.timeParser.parse(v);
      } catch (e) {
        throw new BadRequest((e as Error).message);
      }
    }
    if (typeof v === 'number') return Number.isInteger(v) ? new EventTime(v, 0) : EventTime.fromFloat(v);
    if (typeof v === 'bigint') return new EventTime(Number(v), 0);
    throw new BadRequest(`can't convert ${rubyClassName(v)} into an exact number`);
  }
}
