// in_http: integers beyond 2^53 in JSON bodies stay exact (BigInt → msgpack uint64/int64),
// everything else parses as JSON.parse does; and the digit-run detector that gates it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, encode } from '../../src/core/msgpack.js';
import { hasLongDigitRun, parseJsonText } from '../../src/plugins/in_http/json.js';
import { form, json, request, startHttp } from './in_http_support.js';

const BODY =
  '{"big":18446744073709551615,"neg":-9223372036854775808,"unsafe":9007199254740993,' +
  '"safe":9007199254740991,"small":1,"float":12345678901234567890.5,"exp":1234567890123456789e2,' +
  '"str":"a\\"12345678901234567890","huge":123456789012345678901234567890,"nested":[{"n":-9007199254740993}]}';

const EXPECTED = {
  big: 18446744073709551615n,
  neg: -9223372036854775808n,
  unsafe: 9007199254740993n,
  safe: 9007199254740991,
  small: 1,
  float: Number('12345678901234567890.5'),
  exp: Number('1234567890123456789e2'),
  str: 'a"12345678901234567890',
  huge: Number('123456789012345678901234567890'),
  nested: [{ n: -9007199254740993n }],
};

test('unsafe integers in a JSON body arrive as BigInt and encode as uint64/int64', async () => {
  const { d, port } = await startHttp();
  try {
    assert.equal((await request(port, json(BODY))).status, 200);
    const [rec] = d.records();
    assert.deepEqual(rec, EXPECTED);
    const bytes = encode(rec);
    const u64 = Buffer.from([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    const i64 = Buffer.from([0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]);
    assert.ok(bytes.includes(u64), 'uint64 max as msgpack uint64');
    assert.ok(bytes.includes(i64), 'int64 min as msgpack int64');
    assert.equal((decode(bytes) as { big: unknown }).big, 18446744073709551615n);
  } finally {
    await d.shutdown();
  }
});

test('the same through json= form fields, batches and ndjson', async () => {
  const { d, port } = await startHttp();
  try {
    await request(port, form(`json=${encodeURIComponent(`[${BODY},{"id":12345678901234567890}]`)}`));
    assert.deepEqual(d.records(), [EXPECTED, { id: 12345678901234567890n }]);
    d.clear();
    await request(port, {
      body: `{"id":1}\n{"id":12345678901234567890}\n`,
      headers: { 'Content-Type': 'application/x-ndjson' },
    });
    assert.deepEqual(d.records(), [{ id: 1 }, { id: 12345678901234567890n }]);
  } finally {
    await d.shutdown();
  }
});

test('invalid JSON with long digit runs is still a 400', async () => {
  const { d, port } = await startHttp();
  try {
    for (const body of [
      '{"a":012345678901234567890}',
      '{"a":12345678901234567890',
      '[12345678901234567890,]',
    ]) {
      const r = await request(port, json(body));
      assert.equal(r.status, 400, body);
      assert.match(r.text, /^400 Bad Request\ninvalid JSON: /);
    }
    assert.equal(d.events().length, 0);
  } finally {
    await d.shutdown();
  }
});

test('parseJsonText: equal to JSON.parse without long digit runs; the \\u0000 escape disables the BigInt path', () => {
  for (const t of ['{}', '[1,2.5,-3,"x"]', '{"a":"\\u00e9","b":[true,false,null]}', '123456789012345']) {
    assert.deepEqual(parseJsonText(t), JSON.parse(t));
  }
  assert.deepEqual(parseJsonText('{"a":"\\u0000","b":12345678901234567890}'), {
    a: '\u0000',
    b: Number('12345678901234567890'),
  });
  assert.deepEqual(parseJsonText('{"\\u0030":"\\"","n":[12345678901234567890]}'), {
    '0': '"',
    n: [12345678901234567890n],
  });
});

test('hasLongDigitRun agrees with /[0-9]{16}/ on random text', () => {
  const re = /[0-9]{16}/;
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let k = 0; k < 3000; k++) {
    const len = rnd(80);
    let s = '';
    for (let i = 0; i < len; i++) s += rnd(8) === 0 ? 'x' : String(rnd(10));
    assert.equal(hasLongDigitRun(s), re.test(s), s);
  }
});
