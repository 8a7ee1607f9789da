// v1 lexical rules (spec fluentd-core.md §1.2): elements, parameters, comments, unquoted and
// quoted values, reserved `@` keys, positions and error excerpts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { collectWarnings, parse, parseError, value } from './helpers.js';

describe('spec §1.2 parsed examples (every row)', () => {
  const rows: [string, string, string | null][] = [
    ['a foo # comment', 'a', 'foo'],
    ['b foo#bar', 'b', 'foo#bar'],
    [String.raw`e "x\ny"`, 'e', 'x\ny'],
    [String.raw`f 'x\ny'`, 'f', String.raw`x\ny`],
    ['h "cont\\\nline"', 'h', 'contline'],
    [String.raw`l "\$\#\\ \" \'"`, 'l', String.raw`$#\ " '`],
    ['p [1, 2, # c\n 3]', 'p', '[1,2,3]'],
    [`s "#{ENV['NOPE'] || use_nil}"`, 's', null],
    ['x  spaced   value  ', 'x', 'spaced   value'],
  ];
  for (const [text, key, expected] of rows) {
    test(JSON.stringify(text), () => assert.equal(value(text, key), expected));
  }
});

describe('elements', () => {
  test('name, argument and nesting', () => {
    const root = parse('<match a.** b>\n  @type copy\n  <store>\n    @type stdout\n  </store>\n</match>\n');
    assert.equal(root.name, 'ROOT');
    assert.equal(root.elements.length, 1);
    const m = root.elements[0]!;
    assert.equal(m.name, 'match');
    assert.equal(m.arg, 'a.** b');
    assert.equal(m.params.get('@type')!.value, 'copy');
    assert.equal(m.elements[0]!.name, 'store');
    assert.equal(m.elements[0]!.arg, '');
    assert.equal(m.elements[0]!.params.get('@type')!.value, 'stdout');
  });

  test('blanks around the argument are dropped, inner blanks kept', () => {
    assert.equal(parse('<match   a.** b   >\n</match>').elements[0]!.arg, 'a.** b');
    assert.equal(parse('<match\ta.**\t>\n</match>').elements[0]!.arg, 'a.**');
  });

  test('empty argument; a comment after > is allowed', () => {
    const root = parse('<system> # the system section\n</system> # end\n');
    assert.equal(root.elements[0]!.arg, '');
  });

  test('one double-quoted argument evaluates embedded Ruby', () => {
    const root = parse(`<match "app.#{ENV['HOME']}.**">\n</match>`);
    assert.equal(root.elements[0]!.arg, 'app./home/td.**');
    assert.equal(parse("<match 'a #{x}'>\n</match>").elements[0]!.arg, 'a #{x}');
  });

  test('a quoted part followed by more text is an error', () => {
    const e = parseError('<match "a" b>\n</match>');
    assert.equal(e.detail, "expected '>'");
    assert.deepEqual(e.pos, { file: 'test.conf', line: 1, col: 12 });
  });

  test('> must end the line', () => {
    assert.equal(parseError('<match a> x\n</match>').detail, 'expected end of line after tag');
    assert.equal(parseError('<match a>>\n</match>').detail, 'expected end of line after tag');
  });

  test('missing > reported on the tag line', () => {
    const e = parseError('<match a\n  @type stdout\n</match>\n');
    assert.equal(e.detail, "expected '>'");
    assert.equal(e.pos!.line, 1);
  });

  test('unmatched end tag, at the end tag', () => {
    const e = parseError('<source>\n  @type forward\n</match>\n');
    assert.equal(e.detail, 'unmatched end tag');
    assert.deepEqual(e.pos, { file: 'test.conf', line: 3, col: 1 });
    assert.equal(parseError('</match>\n').detail, 'unmatched end tag');
  });

  test('end of file inside an element', () => {
    const e = parseError('<match a>\n  <buffer>\n  </buffer>\n');
    assert.equal(e.detail, "expected end tag '</match>' but got end of file");
    assert.match(e.message, /^test\.conf:4:1: /);
  });

  test('end tag rules', () => {
    assert.equal(parseError('<a>\n</a x>\n').detail, 'expected character in tag name');
    assert.equal(parseError('<a>\n</a> x\n').detail, 'expected end of line after end tag');
    assert.equal(parse('<a>\n</a > # ok\n').elements[0]!.name, 'a');
  });

  test('`</>` ends the top level early: the rest is "expected EOF"', () => {
    assert.equal(parseError('a 1\n</>\nb 2\n').detail, 'expected EOF');
    assert.equal(parse('a 1\n</>\n').params.get('a')!.value, '1');
  });

  test('element position is the `<`', () => {
    const root = parse('\n\n  <source>\n  </source>\n');
    assert.deepEqual(root.elements[0]!.pos, { file: 'test.conf', line: 3, col: 3 });
  });

  test('nesting is capped with a clear error, never a stack overflow', () => {
    const ok = `${'<a>\n'.repeat(64)}${'</a>\n'.repeat(64)}`;
    assert.equal(parse(ok).elements.length, 1);
    const deep = `${'<a>\n'.repeat(65)}${'</a>\n'.repeat(65)}`;
    assert.match(parseError(deep).detail, /nested more than 64 levels/);
    assert.match(parseError('<a>\n'.repeat(100_000)).detail, /nested more than 64 levels/);
  });
});

describe('parameters', () => {
  test('key alone on its line gets ""', () => {
    const root = parse('without_source\nflag   \nlast');
    assert.equal(root.params.get('without_source')!.value, '');
    assert.equal(root.params.get('flag')!.value, '');
    assert.equal(root.params.get('last')!.value, '');
  });

  test('duplicate keys: last wins', () => {
    const root = parse('a 1\nb 2\na 3\n');
    assert.equal(root.params.get('a')!.value, '3');
    assert.deepEqual(root.params.get('a')!.pos, { file: 'test.conf', line: 3, col: 1 });
    assert.deepEqual([...root.params.keys()], ['a', 'b']);
  });

  test('a quoted key', () => {
    assert.equal(value('"my key" v', 'my key'), 'v');
    assert.equal(value("'k' v", 'k'), 'v');
  });

  test('positions are the key, 1-based', () => {
    const root = parse('<source>\n  @type forward\n\tport 24224\n</source>');
    assert.deepEqual(root.elements[0]!.params.get('port')!.pos, { file: 'test.conf', line: 3, col: 2 });
  });

  test('CRLF line ends', () => {
    const root = parse('<source>\r\n  @type forward\r\n  port 24224 # c\r\n  flag\r\n</source>\r\n');
    const s = root.elements[0]!;
    assert.equal(s.params.get('port')!.value, '24224');
    assert.equal(s.params.get('flag')!.value, '');
  });
});

describe('comments', () => {
  test('# starts a comment at line start or after a blank only', () => {
    const root = parse('# header\n  # indented\na foo # c\nb foo#bar\nc #x\nd foo\t# tab\n');
    assert.deepEqual(
      [...root.params].map(([k, p]) => [k, p.value]),
      [
        ['a', 'foo'],
        ['b', 'foo#bar'],
        ['c', '#x'],
        ['d', 'foo'],
      ],
    );
  });

  test('a key followed by only a comment stores the comment text (bool reads it as true)', () => {
    assert.equal(value('flag # enable it', 'flag'), '# enable it');
  });

  test('a regexp with ` #` is cut unless quoted', () => {
    assert.equal(value('expression /a #b/', 'expression'), '/a');
    assert.equal(value('expression "/a #b/"', 'expression'), '/a #b/');
  });
});

describe('unquoted values', () => {
  test('no escapes, no embedded Ruby', () => {
    assert.equal(value(String.raw`a x\ny`, 'a'), String.raw`x\ny`);
    assert.equal(value('a #{1+1}', 'a'), '#{1+1}');
    assert.equal(value('a $' + '{tag}', 'a'), '$' + '{tag}', 'placeholders are left for plugins');
  });

  test('trailing blanks trimmed, inner kept', () => {
    assert.equal(value('a  b \t c \t ', 'a'), 'b \t c');
  });
});

describe('double-quoted values', () => {
  test('escapes', () => {
    assert.equal(value(String.raw`a "\"\'\\\r\n\t\f\b\0"`, 'a'), '"\'\\\r\n\t\f\b\0');
  });

  test('backslash + letter/digit is an error, + symbol is the symbol', () => {
    for (const c of ['u', 'x', 'a', 'Z', '1', '9']) {
      const e = parseError(`a "\\${c}0041"`);
      assert.equal(e.detail, `unexpected back-slash escape character '${c}'`);
    }
    assert.equal(value(String.raw`a "\$\#\{\}\/\ \-\é"`, 'a'), '$#{}/ -é');
  });

  test('real newlines are kept, backslash-newline continues the line', () => {
    assert.equal(value('a "line1\nline2\n  line3"', 'a'), 'line1\nline2\n  line3');
    assert.equal(value('a "con\\\ntinued"', 'a'), 'continued');
  });

  test('quirk: a newline right after the opening quote or a blank line inside is an error', () => {
    assert.equal(parseError('a "\nfoo"').detail, 'unexpected end of file in a double quoted string');
    assert.equal(parseError('a "x\n\ny"').detail, 'unexpected end of file in a double quoted string');
  });

  test('unterminated', () => {
    assert.equal(parseError('a "abc').detail, 'unexpected end of file in a double quoted string');
  });

  test('text after the closing quote is an error; a comment is fine', () => {
    assert.equal(parseError('a "foo" bar').detail, 'expected end of line');
    assert.equal(value('a "foo" # c', 'a'), 'foo');
    assert.equal(value('a "foo"# c', 'a'), 'foo');
  });

  test('# inside quotes is not a comment', () => {
    assert.equal(value('a "x # y"', 'a'), 'x # y');
  });
});

describe('single-quoted values', () => {
  test("only \\' and \\\\ are escapes", () => {
    assert.equal(value(String.raw`a 'it\'s \\ \n \u #{x}'`, 'a'), String.raw`it's \ \n \u #{x}`);
  });

  test('cannot span lines', () => {
    const e = parseError("a 'abc\ndef'");
    assert.equal(e.detail, 'unexpected end of file in a single quoted string');
    assert.equal(parseError("a 'abc").detail, 'unexpected end of file in a single quoted string');
  });
});

describe("reserved '@' keys", () => {
  const msg = (k: string) =>
    `'@' is the system reserved prefix. Don't use '@' prefix parameter in the configuration: ${k}`;

  test('known ones are fine everywhere', () => {
    const root = parse('<source>\n  @type x\n  @id a\n  @label @L\n  @log_level debug\n</source>');
    assert.equal(root.elements[0]!.params.size, 4);
  });

  test('unknown ones: error at top level and directly in match/source/filter/system', () => {
    assert.equal(parseError('@foo bar').detail, msg('@foo'));
    for (const el of ['match', 'source', 'filter', 'system']) {
      const e = parseError(`<${el}>\n  @nope 1\n</${el}>`);
      assert.equal(e.detail, msg('@nope'));
      assert.deepEqual(e.pos, { file: 'test.conf', line: 2, col: 3 });
    }
  });

  test('only a warning in nested sections (and in label/worker)', () => {
    const w = collectWarnings();
    const root = parse(
      '<match a>\n  <buffer>\n    @x 1\n  </buffer>\n</match>\n<label @L>\n  @y 2\n</label>',
      w,
    );
    assert.equal(root.elements[0]!.elements[0]!.params.get('@x')!.value, '1');
    assert.deepEqual(w.list, [
      "'@' is the system reserved prefix. It works in the nested configuration for now but it will be rejected: @x",
      "'@' is the system reserved prefix. It works in the nested configuration for now but it will be rejected: @y",
    ]);
  });

  test('legacy type / id / log_level are plain keys', () => {
    const m = parse('<match a>\n  type stdout\n  id x\n  log_level warn\n</match>').elements[0]!;
    assert.deepEqual([...m.params.keys()], ['type', 'id', 'log_level']);
  });

  test('a reserved key alone on its line is ""', () => {
    assert.equal(parse('<match a>\n  @type\n</match>').elements[0]!.params.get('@type')!.value, '');
  });
});

describe('errors', () => {
  test('message has file:line:col, context has 3 lines and a caret', () => {
    const e = parseError('<match a>\n  @type stdout\n  key "v" junk\n</match>\n');
    assert.equal(e.message, 'test.conf:3:10: expected end of line');
    assert.equal(
      e.context,
      ['  2:   @type stdout', '  3:   key "v" junk', '     ---------^', '  4: </match>'].join('\n'),
    );
    assert.equal(e.code, 'CONFIG_PARSE');
  });

  test('long lines are windowed in the excerpt', () => {
    const e = parseError(`a "${'x'.repeat(5000)}" junk`);
    assert.ok(e.context!.split('\n').every((l) => l.length < 400));
  });
});

describe('-i inline config', () => {
  test('appended after the file, literal \\n become newlines, positions say (inline)', () => {
    const root = parse('a 1\n', { inline: String.raw`<match x>\n  @type null\n</match>` });
    assert.equal(root.elements[0]!.arg, 'x');
    assert.deepEqual(root.elements[0]!.params.get('@type')!.pos, { file: '(inline)', line: 2, col: 3 });
    const e = parseError('a 1', { inline: String.raw`b 2\nc "x" y` });
    assert.equal(e.message, '(inline):2:6: expected end of line');
  });
});
