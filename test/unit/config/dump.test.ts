// Config dump (spec §1.10).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumpConfig, quoteValue } from '../../../src/config/dump.js';
import { parse } from './helpers.js';

const CONF = `<source>
  @type forward
  port 24224
</source>
<match td.*.*>
  @type tdlog
  apikey "secret-key"
  auto_create_table
  flags ["a", "b"]
  note "line1\\nsaid \\"hi\\""
  nothing "#{use_nil}"
  dflt "#{use_default}"
  <buffer>
    @type file
    path /var/log/td-agent/buffer/td
  </buffer>
</match>
`;

test('indented <ROOT> form, strings quoted, numbers/bools/JSON bare, secrets masked', () => {
  const root = parse(CONF);
  const out = dumpConfig(root, (_el, key) => key === 'apikey');
  assert.equal(
    out,
    [
      '<ROOT>',
      '  <source>',
      '    @type "forward"',
      '    port 24224',
      '  </source>',
      '  <match td.*.*>',
      '    @type "tdlog"',
      '    apikey xxxxxx',
      '    auto_create_table ""',
      '    flags ["a","b"]',
      '    note "line1\\nsaid \\"hi\\""',
      '    nothing ',
      '    dflt ',
      '    <buffer>',
      '      @type "file"',
      '      path "/var/log/td-agent/buffer/td"',
      '    </buffer>',
      '  </match>',
      '</ROOT>',
      '',
    ].join('\n'),
  );
});

test('declared types and defaults win over the guess', () => {
  const root = parse('<match a>\n  tag 123\n  flush_interval 10s\n  retry "#{use_default}"\n</match>\n');
  const out = dumpConfig(root, () => false, {
    paramType: (_el, k) => (k === 'tag' ? 'string' : k === 'flush_interval' ? 'time' : undefined),
    defaultValue: (_el, k) => (k === 'retry' ? '17' : undefined),
  });
  assert.match(out, /\n {4}tag "123"\n {4}flush_interval 10s\n {4}retry 17\n/);
});

test('quoteValue escapes like Fluentd', () => {
  assert.equal(quoteValue('a"b\'c\\d\r\n\t\f\b#{x}'), '"a\\"b\\\'c\\\\d\\r\\n\\t\\f\\b#{x}"');
});
