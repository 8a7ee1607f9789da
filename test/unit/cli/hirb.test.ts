import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderRows, renderTable } from '../../../src/cli/td/hirb.js';

const TABLE_FIELDS = [
  'Database',
  'Table',
  'Type',
  'Count',
  'Size',
  'Last import',
  'Last log timestamp',
  'Schema',
];

test('td tables after the walkthrough renders exactly as spec §3.3', () => {
  const rows = [
    {
      Database: 'testdb',
      Table: 'www_access',
      Type: 'log',
      Count: '1',
      Size: '0.0 GB',
      'Last import': null,
      'Last log timestamp': null,
      Schema: '',
    },
  ];
  assert.equal(
    renderTable(rows, { fields: TABLE_FIELDS, maxWidth: 500 }),
    [
      '+----------+------------+------+-------+--------+-------------+--------------------+--------+',
      '| Database | Table      | Type | Count | Size   | Last import | Last log timestamp | Schema |',
      '+----------+------------+------+-------+--------+-------------+--------------------+--------+',
      '| testdb   | www_access | log  | 1     | 0.0 GB |             |                    |        |',
      '+----------+------------+------+-------+--------+-------------+--------------------+--------+',
      '1 row in set',
    ].join('\n'),
  );
});

test('db:list: Name/Count, left-aligned numbers, plural description', () => {
  const rows = [
    { Name: 'testdb', Count: 1 },
    { Name: 'analytics', Count: 1234567 },
  ];
  assert.equal(
    renderTable(rows, { fields: ['Name', 'Count'] }),
    [
      '+-----------+---------+',
      '| Name      | Count   |',
      '+-----------+---------+',
      '| testdb    | 1       |',
      '| analytics | 1234567 |',
      '+-----------+---------+',
      '2 rows in set',
    ].join('\n'),
  );
});

test('no rows: only "0 rows in set"', () => {
  assert.equal(renderTable([], { fields: ['Name', 'Count'] }), '0 rows in set');
  assert.equal(renderTable([]), '0 rows in set');
});

test('array rows: headers from changeFields (query result with hive_result_schema)', () => {
  assert.equal(
    renderTable([['1']], { changeFields: ['cnt'], maxWidth: 10000 }),
    ['+-----+', '| cnt |', '+-----+', '| 1   |', '+-----+', '1 row in set'].join('\n'),
  );
  // without a schema the headers are the column indices
  assert.equal(
    renderTable([
      ['a', 'bb'],
      ['ccc', null],
    ]),
    [
      '+-----+----+',
      '| 0   | 1  |',
      '+-----+----+',
      '| a   | bb |',
      '| ccc |    |',
      '+-----+----+',
      '2 rows in set',
    ].join('\n'),
  );
});

test('special characters are escaped; widths count code points', () => {
  const out = renderTable([{ a: 'x\ty\nz', b: 'ナ🙂' }], { fields: ['a', 'b'] });
  assert.equal(
    out,
    [
      '+---------+----+',
      '| a       | b  |',
      '+---------+----+',
      '| x\\ty\\nz | ナ🙂 |',
      '+---------+----+',
      '1 row in set',
    ].join('\n'),
  );
});

test('array-valued columns are comma-joined', () => {
  const out = renderTable([{ tags: ['a', 'b'] }, { tags: ['c'] }], { fields: ['tags'] });
  assert.match(out, /\| a, b \|/);
});

test('wide tables shrink long columns to the width and cut cells with "..."', () => {
  const long = 'x'.repeat(200);
  const out = renderTable([{ id: '1', text: long }], { fields: ['id', 'text'], maxWidth: 60 });
  const lines = out.split('\n');
  for (const l of lines.slice(0, -1)) assert.equal(l.length, 60, l);
  assert.equal(lines[3], `| 1  | ${'x'.repeat(48)}... |`);
});

test('resizing shares width between several long columns like hirb', () => {
  // total 3 fields; two long ones get the average-long width, the extra goes back in name order
  const out = renderTable([{ a: 'a'.repeat(50), b: 'b'.repeat(80), c: 'c' }], {
    fields: ['a', 'b', 'c'],
    maxWidth: 80,
  });
  const widths = out
    .split('\n')[0]
    ?.split('+')
    .slice(1, -1)
    .map((s) => s.length - 2);
  assert.deepEqual(widths, [34, 35, 1]);
  assert.equal(out.split('\n')[0]?.length, 80);
});

test('renderRows: csv/tsv/json as td -f renders listings', () => {
  const rows = [
    { Name: 'test,db', Count: 3 },
    { Name: '', Count: 0 },
  ];
  assert.equal(renderRows(rows, ['Name', 'Count'], 'csv'), 'Name,Count\n"test,db",3\n"",0');
  assert.equal(renderRows(rows, ['Name', 'Count'], 'tsv'), 'Name\tCount\ntest,db\t3\n""\t0');
  assert.equal(
    renderRows(rows, ['Name', 'Count'], 'json'),
    '[{"Name":"test,db","Count":3},{"Name":"","Count":0}]',
  );
});
