import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compatBuffer, compatInject, compatParse } from '../../../src/config/compat.js';
import { ConfigElement } from '../../../src/config/element.js';

const pos = { file: 'td-agent.conf', line: 1, col: 1 };
function el(params: Record<string, string>): ConfigElement {
  const e = new ConfigElement('match', 'td.*.*', pos);
  for (const [k, v] of Object.entries(params)) e.set(k, v);
  return e;
}

test("the seed's flat buffer params become a <buffer> section", () => {
  const e = el({
    type: 'tdlog',
    apikey: 'k',
    auto_create_table: '',
    buffer_type: 'file',
    buffer_path: '/var/log/td-agent/buffer/td',
  });
  const notes: string[] = [];
  compatBuffer(e, (_l, m) => notes.push(m), 'tag');
  const [buf] = e.children('buffer');
  assert.ok(buf);
  assert.equal(buf.arg, 'tag');
  assert.equal(buf.params.get('@type')?.value, 'file');
  assert.equal(buf.params.get('path')?.value, '/var/log/td-agent/buffer/td');
  assert.ok(e.used.has('buffer_type') && e.used.has('buffer_path'));
  assert.deepEqual(notes, []);
});

test('flush_interval outside <buffer> forces flush_mode interval with an info note', () => {
  const e = el({
    flush_interval: '10s',
    buffer_chunk_limit: '8m',
    buffer_queue_full_action: 'exception',
    num_threads: '2',
  });
  const notes: string[] = [];
  compatBuffer(e, (_l, m) => notes.push(m));
  const buf = e.children('buffer')[0]!;
  assert.equal(buf.params.get('flush_mode')?.value, 'interval');
  assert.equal(buf.params.get('chunk_limit_size')?.value, '8m');
  assert.equal(buf.params.get('overflow_action')?.value, 'throw_exception');
  assert.equal(buf.params.get('flush_thread_count')?.value, '2');
  assert.match(notes[0]!, /'flush_mode' is set to 'interval'/);
});

test('time_slice_format sets the time chunk key and timekey', () => {
  for (const [fmt, key] of [
    ['%Y%m%d', '86400'],
    ['%Y%m%d%H', '3600'],
    ['%Y%m%d%H%M', '60'],
  ]) {
    const e = el({ time_slice_format: fmt!, time_slice_wait: '10m', utc: '' });
    compatBuffer(e, () => {}, 'tag');
    const buf = e.children('buffer')[0]!;
    assert.equal(buf.arg, 'tag,time');
    assert.equal(buf.params.get('timekey')?.value, key);
    assert.equal(buf.params.get('timekey_wait')?.value, '10m');
    assert.equal(buf.params.get('timekey_use_utc')?.value, 'true');
  }
  assert.throws(() => compatBuffer(el({ time_slice_format: '%Y%m' }), () => {}), /time_slice_format/);
});

test('an existing <buffer> section wins over flat params', () => {
  const e = el({ buffer_type: 'memory' });
  e.elements.push(new ConfigElement('buffer', '', pos));
  compatBuffer(e, () => {});
  assert.equal(e.children('buffer').length, 1);
  assert.equal(e.children('buffer')[0]!.params.size, 0);
});

test('format /regex/ becomes <parse> @type regexp with expression', () => {
  const e = el({ format: '/^(?<a>.*)$/', time_format: '%d/%b/%Y' });
  compatParse(e);
  const p = e.children('parse')[0]!;
  assert.equal(p.params.get('@type')?.value, 'regexp');
  assert.equal(p.params.get('expression')?.value, '/^(?<a>.*)$/');
  assert.equal(p.params.get('time_format')?.value, '%d/%b/%Y');
  const e2 = el({ format: 'apache2' });
  compatParse(e2);
  assert.equal(e2.children('parse')[0]!.params.get('@type')?.value, 'apache2');
});

test('include_time_key / include_tag_key become <inject>', () => {
  const e = el({ include_time_key: 'true', include_tag_key: 'true', time_as_epoch: 'true' });
  compatInject(e);
  const i = e.children('inject')[0]!;
  assert.equal(i.params.get('time_key')?.value, 'time');
  assert.equal(i.params.get('tag_key')?.value, 'tag');
  assert.equal(i.params.get('time_type')?.value, 'unixtime');
});
