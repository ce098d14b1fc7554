import { type AttributeType, type AttributeValueJson, attributeValue, typeOf } from './attribute-values';
import { notSupported, validationError } from './errors';
import { isReservedWord } from './reserved-words';

/**
 * The expressions of a request, parsed: condition and key-condition expressions, and update
 * expressions of SET and REMOVE, over top-level attributes, with their `#name` and `:value`
 * placeholders resolved. The grammar is DynamoDB's ("Condition and filter expressions, operators,
 * and functions": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html,
 * "Using update expressions": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html);
 * what the stand-in leaves out is refused by name, never read as something else.
 */

export type ExpressionKind = 'ConditionExpression' | 'KeyConditionExpression' | 'UpdateExpression';

export type Operand =
  | { readonly kind: 'path'; readonly name: string }
  | { readonly kind: 'value'; readonly value: AttributeValueJson; readonly placeholder: string };

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'not'; readonly operand: Condition }
  | { readonly kind: 'compare'; readonly comparator: Comparator; readonly left: Operand; readonly right: Operand }
  | { readonly kind: 'between'; readonly subject: Operand; readonly low: Operand; readonly high: Operand }
  | { readonly kind: 'attribute_exists' | 'attribute_not_exists'; readonly name: string }
  | { readonly kind: 'begins_with'; readonly subject: Operand; readonly prefix: Operand };

export interface UpdateActions {
  /** `SET name = operand`, in the expression's order. */
  readonly set: ReadonlyArray<{ readonly name: string; readonly value: Operand }>;
  readonly remove: readonly string[];
}

/**
 * The request's ExpressionAttributeNames and ExpressionAttributeValues, and which of them its
 * expressions used: DynamoDB refuses a request that defines one it does not use.
 */
export class Placeholders {
  private readonly usedNames = new Set<string>();
  private readonly usedValues = new Set<string>();

  private constructor(
    private readonly names: Readonly<Record<string, string>>,
    private readonly values: Readonly<Record<string, AttributeValueJson>>,
  ) {}

  /** The placeholders of `input`, which has an expression in `expressionFields` or none at all. */
  static of(input: Readonly<Record<string, unknown>>, expressionFields: readonly string[]): Placeholders {
    const anyExpression = expressionFields.some((field) => input[field] !== undefined);
    const map = (field: 'ExpressionAttributeNames' | 'ExpressionAttributeValues'): Readonly<Record<string, unknown>> => {
      const raw = input[field];
      if (raw === undefined) return {};
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw validationError(`${field} must be a map.`);
      if (!anyExpression) throw validationError(`${field} can only be specified when using expressions`);
      if (Object.keys(raw).length === 0) throw validationError(`${field} must not be empty`);
      return raw as Record<string, unknown>;
    };
    const names = Object.create(null) as Record<string, string>;
    for (const [placeholder, name] of Object.entries(map('ExpressionAttributeNames'))) {
      if (typeof name !== 'string') throw validationError('ExpressionAttributeNames must map each placeholder to a string.');
      if (!/^#[A-Za-z0-9_]+$/.test(placeholder)) {
        throw validationError(`ExpressionAttributeNames contains invalid key: Syntax error; key: ${JSON.stringify(placeholder)}`);
      }
      names[placeholder] = name;
    }
    const values = Object.create(null) as Record<string, AttributeValueJson>;
    for (const [placeholder, value] of Object.entries(map('ExpressionAttributeValues'))) {
      if (!/^:[A-Za-z0-9_]+$/.test(placeholder)) {
        throw validationError(`ExpressionAttributeValues contains invalid key: Syntax error; key: ${JSON.stringify(placeholder)}`);
      }
      values[placeholder] = attributeValue(value);
    }
    return new Placeholders(names, values);
  }

  name(placeholder: string, kind: ExpressionKind): string {
    const name = this.names[placeholder];
    if (name === undefined) {
      throw validationError(
        `Invalid ${kind}: An expression attribute name used in the document path is not defined; attribute name: ${placeholder}`,
      );
    }
    this.usedNames.add(placeholder);
    return name;
  }

  value(placeholder: string, kind: ExpressionKind): AttributeValueJson {
    const value = this.values[placeholder];
    if (value === undefined) {
      throw validationError(
        `Invalid ${kind}: An expression attribute value used in expression is not defined; attribute value: ${placeholder}`,
      );
    }
    this.usedValues.add(placeholder);
    return value;
  }

  /** After every expression of the request is parsed. */
  checkAllUsed(): void {
    const unusedNames = Object.keys(this.names).filter((placeholder) => !this.usedNames.has(placeholder));
    if (unusedNames.length > 0) {
      throw validationError(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`);
    }
    const unusedValues = Object.keys(this.values).filter((placeholder) => !this.usedValues.has(placeholder));
    if (unusedValues.length > 0) {
      throw validationError(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`);
    }
  }
}

interface Token {
  readonly kind: 'word' | 'name' | 'value' | 'symbol' | 'number' | 'end';
  readonly text: string;
}

const TOKEN = /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*)|(\d+)|(<>|<=|>=|[=<>(),.[\]+-]))/y;

function tokenize(text: string, kind: ExpressionKind): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (text.slice(at).trim() !== '') {
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(text);
    if (match === null) {
      const character = text.slice(at).trim()[0] ?? '';
      throw validationError(
        `Invalid ${kind}: Syntax error; token: ${JSON.stringify(character)}, near: ${JSON.stringify(text.slice(at).trim().slice(0, 20))}`,
      );
    }
    at = TOKEN.lastIndex;
    const [, name, value, word, number, symbol] = match;
    if (name !== undefined) tokens.push({ kind: 'name', text: name });
    else if (value !== undefined) tokens.push({ kind: 'value', text: value });
    else if (word !== undefined) tokens.push({ kind: 'word', text: word });
    else if (number !== undefined) tokens.push({ kind: 'number', text: number });
    else tokens.push({ kind: 'symbol', text: symbol ?? '' });
  }
  tokens.push({ kind: 'end', text: '<EOF>' });
  return tokens;
}

const COMPARATORS: readonly string[] = ['=', '<>', '<', '<=', '>', '>='];
const KEYWORDS: readonly string[] = ['AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'SET', 'REMOVE', 'ADD', 'DELETE'];
const ORDERED_TYPES: readonly AttributeType[] = ['S', 'N', 'B'];
/** DynamoDB's names of the types in its messages about operands. */
const TYPE_NAMES: Readonly<Record<AttributeType, string>> = {
  S: 'STRING',
  N: 'NUMBER',
  B: 'BINARY',
  BOOL: 'BOOLEAN',
  NULL: 'NULL',
  M: 'MAP',
  L: 'LIST',
  SS: 'STRING_SET',
  NS: 'NUMBER_SET',
  BS: 'BINARY_SET',
};

class Parser {
  private position = 0;
  private readonly tokens: Token[];

  constructor(
    private readonly kind: ExpressionKind,
    text: string,
    private readonly placeholders: Placeholders,
  ) {
    if (text.trim() === '') throw validationError(`Invalid ${kind}: The expression can not be empty;`);
    this.tokens = tokenize(text, kind);
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.position + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    this.position = Math.min(this.position + 1, this.tokens.length - 1);
    return token;
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.text.toUpperCase() === keyword;
  }

  private syntaxError(token: Token = this.peek()): Error {
    const previous = this.tokens[this.position - 1]?.text;
    const near = previous === undefined ? token.text : `${previous} ${token.text}`;
    return validationError(`Invalid ${this.kind}: Syntax error; token: ${JSON.stringify(token.text)}, near: ${JSON.stringify(near)}`);
  }

  private expect(symbol: string): void {
    const token = this.next();
    if (token.kind !== 'symbol' || token.text !== symbol) throw this.syntaxError(token);
  }

  expectEnd(): void {
    if (this.peek().kind !== 'end') throw this.syntaxError();
  }

  /** A top-level attribute, by name or `#placeholder`. */
  path(): string {
    const token = this.next();
    let name: string;
    if (token.kind === 'name') name = this.placeholders.name(token.text, this.kind);
    else if (token.kind === 'word' && !KEYWORDS.includes(token.text.toUpperCase())) {
      // "Reserved words in DynamoDB": such a name needs a placeholder.
      if (isReservedWord(token.text)) {
        throw validationError(`Invalid ${this.kind}: Attribute name is a reserved keyword; reserved keyword: ${token.text}`);
      }
      name = token.text;
    } else throw this.syntaxError(token);
    const after = this.peek();
    if (after.kind === 'symbol' && (after.text === '.' || after.text === '[')) {
      throw notSupported(`A nested attribute path (a.b or a[0]) in ${this.kind}`);
    }
    return name;
  }

  private operand(): Operand {
    const token = this.peek();
    if (token.kind === 'value') {
      this.next();
      return { kind: 'value', value: this.placeholders.value(token.text, this.kind), placeholder: token.text };
    }
    if (token.kind === 'word' && this.peek(1).text === '(') throw this.unsupportedFunction(token.text);
    return { kind: 'path', name: this.path() };
  }

  private unsupportedFunction(name: string): Error {
    const known = [
      'attribute_exists',
      'attribute_not_exists',
      'attribute_type',
      'begins_with',
      'contains',
      'size',
      'if_not_exists',
      'list_append',
    ];
    if (!known.includes(name)) return validationError(`Invalid ${this.kind}: Invalid function name; function: ${name}`);
    return notSupported(`The function ${name} in ${this.kind}`);
  }

  /** A `:value` operand of `operator` must be of a type the operator takes. */
  private checkOperandType(operand: Operand, operator: string, types: readonly AttributeType[]): void {
    if (operand.kind !== 'value' || types.includes(typeOf(operand.value))) return;
    throw validationError(
      `Invalid ${this.kind}: Incorrect operand type for operator or function; operator or function: ${operator}, operand type: ${TYPE_NAMES[typeOf(operand.value)]}`,
    );
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.isKeyword(this.peek(), 'OR')) {
      this.next();
      left = { kind: 'or', left, right: this.conjunction() };
    }
    return left;
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.isKeyword(this.peek(), 'AND')) {
      this.next();
      left = { kind: 'and', left, right: this.negation() };
    }
    return left;
  }

  private negation(): Condition {
    if (this.isKeyword(this.peek(), 'NOT')) {
      this.next();
      return { kind: 'not', operand: this.negation() };
    }
    return this.primary();
  }

  private primary(): Condition {
    const token = this.peek();
    if (token.kind === 'symbol' && token.text === '(') {
      this.next();
      const inner = this.condition();
      this.expect(')');
      return inner;
    }
    if (token.kind === 'word' && this.peek(1).text === '(') return this.functionCall();
    const left = this.operand();
    const operator = this.peek();
    if (operator.kind === 'symbol' && COMPARATORS.includes(operator.text)) {
      this.next();
      const right = this.operand();
      if (operator.text !== '=' && operator.text !== '<>') {
        this.checkOperandType(left, operator.text, ORDERED_TYPES);
        this.checkOperandType(right, operator.text, ORDERED_TYPES);
      }
      return { kind: 'compare', comparator: operator.text as Comparator, left, right };
    }
    if (this.isKeyword(operator, 'BETWEEN')) {
      this.next();
      const low = this.operand();
      if (!this.isKeyword(this.next(), 'AND')) throw this.syntaxError();
      const high = this.operand();
      for (const bound of [left, low, high]) this.checkOperandType(bound, 'BETWEEN', ORDERED_TYPES);
      return { kind: 'between', subject: left, low, high };
    }
    if (this.isKeyword(operator, 'IN')) throw notSupported(`The IN operator in ${this.kind}`);
    throw this.syntaxError(operator);
  }

  private functionCall(): Condition {
    const name = this.next().text;
    if (name !== 'attribute_exists' && name !== 'attribute_not_exists' && name !== 'begins_with') throw this.unsupportedFunction(name);
    this.expect('(');
    if (name === 'begins_with') {
      const subject = this.operand();
      this.expect(',');
      const prefix = this.operand();
      this.expect(')');
      this.checkOperandType(subject, name, ['S', 'B']);
      this.checkOperandType(prefix, name, ['S', 'B']);
      return { kind: 'begins_with', subject, prefix };
    }
    const path = this.path();
    this.expect(')');
    return { kind: name, name: path };
  }

  update(keyNames: readonly string[]): UpdateActions {
    const set: Array<{ name: string; value: Operand }> = [];
    const remove: string[] = [];
    const seen = new Set<string>();
    while (this.peek().kind !== 'end') {
      const clause = this.next();
      const section = clause.kind === 'word' ? clause.text.toUpperCase() : '';
      if (section === 'ADD' || section === 'DELETE') throw notSupported(`The ${section} action in UpdateExpression`);
      if (section !== 'SET' && section !== 'REMOVE') throw this.syntaxError(clause);
      if (seen.has(section)) {
        throw validationError(`Invalid UpdateExpression: The "${section}" section can only be used once in an update expression;`);
      }
      seen.add(section);
      for (;;) {
        if (section === 'SET') set.push(this.setAction());
        else remove.push(this.path());
        const separator = this.peek();
        if (separator.kind !== 'symbol' || separator.text !== ',') break;
        this.next();
      }
    }
    const paths = [...set.map((action) => action.name), ...remove];
    paths.forEach((path, index) => {
      if (paths.indexOf(path) !== index) {
        throw validationError(
          `Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [${path}], path two: [${path}]`,
        );
      }
      if (keyNames.includes(path)) {
        throw validationError(
          `One or more parameter values were invalid: Cannot update attribute ${path}. This attribute is part of the key`,
        );
      }
    });
    return { set, remove };
  }

  private setAction(): { name: string; value: Operand } {
    const name = this.path();
    this.expect('=');
    const value = this.operand();
    const after = this.peek();
    if (after.kind === 'symbol' && (after.text === '+' || after.text === '-')) {
      throw notSupported('Arithmetic (+ or -) in the SET action of UpdateExpression');
    }
    return { name, value };
  }
}

export function parseCondition(
  kind: 'ConditionExpression' | 'KeyConditionExpression',
  text: string,
  placeholders: Placeholders,
): Condition {
  const parser = new Parser(kind, text, placeholders);
  const condition = parser.condition();
  parser.expectEnd();
  return condition;
}

/** SET and REMOVE actions; `keyNames` may not be updated. */
export function parseUpdate(text: string, placeholders: Placeholders, keyNames: readonly string[]): UpdateActions {
  return new Parser('UpdateExpression', text, placeholders).update(keyNames);
}
