import { describeJsonSyntaxError, jsonSyntaxError } from '../../cli/json-syntax';

function described(text: string): string | undefined {
  const error = jsonSyntaxError(text);
  return error === undefined ? undefined : describeJsonSyntaxError(text, error);
}

describe('where a text stops being JSON', () => {
  test.each([
    '{}',
    ' {"approvers": ["ana@example.com"], "subject": "Deploy \\"42\\" \\u00e9"}\n',
    '[1, -0.5, 2e10, 3E-2, true, false, null, {"a": []}]',
    '"text"',
    '0',
  ])('%s is JSON', (text) => {
    expect(jsonSyntaxError(text)).toBeUndefined();
    expect(() => {
      JSON.parse(text);
    }).not.toThrow();
  });

  test.each([
    ['a trailing comma in an object', '{"a": 1,}', 'line 1, column 9: expected a property name in double quotes, found: }'],
    [
      'a trailing comma in an array',
      '[1, 2,]',
      'line 1, column 7: expected a value (an object, an array, a string in double quotes, a number, true, false or null), found: ]',
    ],
    ['a name without quotes', '{subject: "x"}', `line 1, column 2: expected a property name in double quotes or '}', found: subject: "x"}`],
    ['single quotes', "{'subject': 'x'}", `line 1, column 2: expected a property name in double quotes or '}', found: 'subject': 'x'}`],
    ['a missing colon', '{"a" 1}', "line 1, column 6: expected ':' after the property name, found: 1}"],
    ['a missing comma on the next line', '{\n  "a": 1\n  "b": 2\n}', `line 3, column 3: expected ',' or '}', found: "b": 2`],
    [
      'a misspelt literal',
      '{"a": tru}',
      'line 1, column 7: expected a value (an object, an array, a string in double quotes, a number, true, false or null), found: tru}',
    ],
    [
      'a line break inside a string',
      '{"a": "x\ny"}',
      'line 1, column 9: a control character inside a string (write a line break as \\n, a tab as \\t), found: \\u000ay"}',
    ],
    [
      'an unknown escape',
      '{"a": "\\x41"}',
      'line 1, column 8: expected an escape JSON knows: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX, found: \\x41"}',
    ],
    ['a short \\u escape', '"\\u12"', 'line 1, column 2: expected four hexadecimal digits after \\u, found: \\u12"'],
    ['a number without digits after the point', '[1.]', 'line 1, column 4: expected a digit after the decimal point, found: ]'],
    ['text after the value', '{} {}', 'line 1, column 4: expected nothing more after the JSON value, found: {}'],
    ['an unclosed object', '{"a": [1', "it ends at line 1, column 9: expected ',' or ']'"],
  ])('%s', (_case, text, description) => {
    expect(() => {
      JSON.parse(text);
    }).toThrow();

    expect(described(text)).toBe(description);
  });

  test('columns count characters, not UTF-16 units', () => {
    expect(described('["😀😀" x]')).toBe("line 1, column 7: expected ',' or ']', found: x]");
  });

  test('nesting deeper than any stack is scanned without overflowing', () => {
    const text = `${'['.repeat(200_000)}x`;

    expect(described(text)).toBe(
      'line 1, column 200001: expected a value (an object, an array, a string in double quotes, a number, true, false or null), found: x',
    );
  });
});
