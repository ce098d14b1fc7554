import { serializationError, validationError } from './errors';

/**
 * DynamoDB's attribute values as its JSON protocol writes them (`{"S": "text"}`, `{"N": "12.5"}`,
 * binary as base64), checked on the way in and kept verbatim; equality and order as DynamoDB
 * defines them. "Supported data types": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
 */

export type AttributeValueJson =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly B: string }
  | { readonly BOOL: boolean }
  | { readonly NULL: true }
  | { readonly M: Readonly<Record<string, AttributeValueJson>> }
  | { readonly L: readonly AttributeValueJson[] }
  | { readonly SS: readonly string[] }
  | { readonly NS: readonly string[] }
  | { readonly BS: readonly string[] };

export type ItemJson = Readonly<Record<string, AttributeValueJson>>;

const TYPES = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'] as const;
export type AttributeType = (typeof TYPES)[number];

export function typeOf(value: AttributeValueJson): AttributeType {
  return Object.keys(value)[0] as AttributeType;
}

/** The value's one member, whatever its type. */
function contentOf(value: AttributeValueJson): unknown {
  return Object.values(value)[0];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A number as DynamoDB reads it: sign, significant digits (no leading or trailing zero; empty for
 * zero) and the exponent that puts the decimal point before the first digit (0.d1d2… × 10^exponent).
 */
interface DecimalNumber {
  readonly negative: boolean;
  readonly digits: string;
  readonly exponent: number;
}

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * "Numbers ... can have up to 38 digits of precision ... Positive range: 1E-130 to
 * 9.9999999999999999999999999999999999999E+125" (Supported data types, see above). The messages
 * are DynamoDB's as its SDKs report them.
 */
function parseNumber(text: string): DecimalNumber {
  const match = NUMBER.exec(text);
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match ?? [];
  if (match === null || whole + fraction === '') throw validationError('A value provided cannot be converted into a number');
  const allDigits = `${whole}${fraction}`;
  const leading = allDigits.length - allDigits.replace(/^0+/, '').length;
  const digits = allDigits.replace(/^0+/, '').replace(/0+$/, '');
  if (digits === '') return { negative: false, digits: '', exponent: 0 };
  if (digits.length > 38) throw validationError('Attempting to store more than 38 significant digits in a Number');
  const pointAt = whole.length - leading + Number(exponent);
  if (pointAt > 126) throw validationError('Number overflow. Attempting to store a number with magnitude larger than supported range');
  if (pointAt < -129) throw validationError('Number underflow. Attempting to store a number with magnitude smaller than supported range');
  return { negative: sign === '-', digits, exponent: pointAt };
}

function compareMagnitudes(left: DecimalNumber, right: DecimalNumber): number {
  if (left.digits === '' || right.digits === '') return (left.digits === '' ? 0 : 1) - (right.digits === '' ? 0 : 1);
  if (left.exponent !== right.exponent) return left.exponent < right.exponent ? -1 : 1;
  const width = Math.max(left.digits.length, right.digits.length);
  const a = left.digits.padEnd(width, '0');
  const b = right.digits.padEnd(width, '0');
  return a === b ? 0 : a < b ? -1 : 1;
}

function compareNumbers(left: string, right: string): number {
  const a = parseNumber(left);
  const b = parseNumber(right);
  const signOf = (n: DecimalNumber): number => (n.digits === '' ? 0 : n.negative ? -1 : 1);
  if (signOf(a) !== signOf(b)) return signOf(a) < signOf(b) ? -1 : 1;
  return signOf(a) * compareMagnitudes(a, b);
}

/** One form per number, so that `1`, `1.0` and `10E-1` name the same key. */
function canonicalNumber(text: string): string {
  const { negative, digits, exponent } = parseNumber(text);
  return digits === '' ? '0' : `${negative ? '-' : ''}0.${digits}e${exponent}`;
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/**
 * An attribute value from a request, checked as DynamoDB checks it. Wrong JSON types are the
 * protocol's SerializationException; the rest ValidationException with DynamoDB's wording.
 */
export function attributeValue(raw: unknown): AttributeValueJson {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw serializationError('An attribute value must be a JSON object such as {"S": "text"}.');
  }
  const present = Object.entries(raw).filter(([, member]) => member !== null && member !== undefined);
  const unknown = present.find(([type]) => !(TYPES as readonly string[]).includes(type));
  if (unknown !== undefined) throw serializationError(`Unknown attribute value type ${JSON.stringify(unknown[0].slice(0, 40))}.`);
  if (present.length === 0) {
    throw validationError('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  }
  if (present.length > 1) {
    throw validationError('Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes');
  }
  const [type, member] = present[0] as [AttributeType, unknown];
  const expect = (ok: boolean, shape: string): void => {
    if (!ok) throw serializationError(`The value of ${type} must be ${shape}.`);
  };
  const stringList = (): readonly string[] => {
    expect(Array.isArray(member) && member.every((element) => typeof element === 'string'), 'a list of strings');
    const list = member as string[];
    // "Supported data types", Sets: "Each value within a set must be unique ... sets cannot be empty".
    if (list.length === 0) throw validationError(`One or more parameter values were invalid: An empty set (${type}) is not allowed`);
    const canonical = list.map((element) => (type === 'NS' ? canonicalNumber(element) : element));
    if (type === 'BS') list.forEach((element) => expect(BASE64.test(element), 'a list of base64 strings'));
    if (new Set(canonical).size !== canonical.length) throw validationError('Input collection contains duplicates.');
    return list;
  };
  switch (type) {
    case 'S':
      expect(typeof member === 'string', 'a string');
      return { S: member as string };
    case 'N':
      expect(typeof member === 'string', 'a string of digits');
      parseNumber(member as string);
      return { N: member as string };
    case 'B':
      expect(typeof member === 'string' && BASE64.test(member), 'a base64 string');
      return { B: member as string };
    case 'BOOL':
      expect(typeof member === 'boolean', 'true or false');
      return { BOOL: member as boolean };
    case 'NULL':
      expect(typeof member === 'boolean', 'true');
      if (member !== true)
        throw validationError('One or more parameter values were invalid: Null attribute value types must have the value of true');
      return { NULL: true };
    case 'M':
      return { M: itemOf(member) };
    case 'L':
      expect(Array.isArray(member), 'a list');
      return { L: (member as unknown[]).map(attributeValue) };
    case 'SS':
      return { SS: stringList() };
    case 'NS':
      return { NS: stringList() };
    case 'BS':
      return { BS: stringList() };
  }
}

/** A map of attribute names to values: an item, a key, a map value, ExpressionAttributeValues. */
export function itemOf(raw: unknown): Record<string, AttributeValueJson> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw serializationError('An item or key must be a JSON object of attribute names and values.');
  }
  // A null-prototype record: an attribute may be called `__proto__`.
  const item = Object.create(null) as Record<string, AttributeValueJson>;
  for (const [name, value] of Object.entries(raw)) item[name] = attributeValue(value);
  return item;
}

const bytesOf = (base64: string): Buffer => Buffer.from(base64, 'base64');

function sameSet(left: readonly string[], right: readonly string[], canonical: (element: string) => string): boolean {
  const rightElements = new Set(right.map(canonical));
  return left.length === right.length && left.every((element) => rightElements.has(canonical(element)));
}

/** `a = b` of a condition: same type and same value (numbers by value, sets in any order). */
export function equalValues(left: AttributeValueJson, right: AttributeValueJson): boolean {
  const type = typeOf(left);
  if (type !== typeOf(right)) return false;
  const a = contentOf(left);
  const b = contentOf(right);
  switch (type) {
    case 'N':
      return compareNumbers(a as string, b as string) === 0;
    case 'B':
      return bytesOf(a as string).equals(bytesOf(b as string));
    case 'SS':
      return sameSet(a as string[], b as string[], (element) => element);
    case 'NS':
      return sameSet(a as string[], b as string[], canonicalNumber);
    case 'BS':
      return sameSet(a as string[], b as string[], (element) => bytesOf(element).toString('base64'));
    case 'L': {
      const [listA, listB] = [a as AttributeValueJson[], b as AttributeValueJson[]];
      return listA.length === listB.length && listA.every((element, index) => equalValues(element, listB[index] as AttributeValueJson));
    }
    case 'M': {
      const [mapA, mapB] = [a as ItemJson, b as ItemJson];
      const keys = Object.keys(mapA);
      return keys.length === Object.keys(mapB).length && keys.every((key) => key in mapB && equalValues(mapA[key]!, mapB[key]!));
    }
    default:
      return a === b;
  }
}

/**
 * The order of `<`, `<=`, `>`, `>=` and of sort keys: numbers by value, strings by their UTF-8
 * bytes, binary bytes unsigned; undefined between other types, which do not compare.
 * ("Comparison operator and function reference", and Query's "sorted ... by sort key value": strings
 * "by UTF-8 bytes", https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html)
 */
export function compareValues(left: AttributeValueJson, right: AttributeValueJson): number | undefined {
  const type = typeOf(left);
  if (type !== typeOf(right)) return undefined;
  const a = contentOf(left) as string;
  const b = contentOf(right) as string;
  switch (type) {
    case 'N':
      return compareNumbers(a, b);
    case 'S':
      return Buffer.compare(utf8(a), utf8(b));
    case 'B':
      return Buffer.compare(bytesOf(a), bytesOf(b));
    default:
      return undefined;
  }
}

/** begins_with: a string or binary that starts with the prefix of the same type. */
export function beginsWith(value: AttributeValueJson, prefix: AttributeValueJson): boolean {
  if ('S' in value && 'S' in prefix) return value.S.startsWith(prefix.S);
  if ('B' in value && 'B' in prefix) {
    const bytes = bytesOf(value.B);
    const start = bytesOf(prefix.B);
    return bytes.subarray(0, start.length).equals(start);
  }
  return false;
}

/** One string per key value, equal exactly when DynamoDB takes the values for the same key. */
export function keyPart(value: AttributeValueJson): string {
  if ('N' in value) return `N:${canonicalNumber(value.N)}`;
  if ('B' in value) return `B:${bytesOf(value.B).toString('base64')}`;
  if ('S' in value) return `S:${value.S}`;
  return `${typeOf(value)}:${JSON.stringify(contentOf(value))}`;
}

function valueSize(value: AttributeValueJson): number {
  // "DynamoDB item sizes and formats": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
  if ('S' in value) return utf8(value.S).length;
  if ('N' in value) return Math.ceil(parseNumber(value.N).digits.length / 2) + 1;
  if ('B' in value) return bytesOf(value.B).length;
  if ('SS' in value) return value.SS.reduce((sum, element) => sum + utf8(element).length, 0);
  if ('NS' in value) return value.NS.reduce((sum, element) => sum + Math.ceil(parseNumber(element).digits.length / 2) + 1, 0);
  if ('BS' in value) return value.BS.reduce((sum, element) => sum + bytesOf(element).length, 0);
  // List and map: 3 bytes, plus 1 byte per element.
  if ('L' in value) return 3 + value.L.reduce((sum, element) => sum + 1 + valueSize(element), 0);
  if ('M' in value)
    return 3 + Object.entries(value.M).reduce((sum, [name, element]) => sum + 1 + utf8(name).length + valueSize(element), 0);
  return 1;
}

/** The item's size as DynamoDB counts it against its 400 KB limit: names and values. */
export function itemSize(item: ItemJson): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name).length + valueSize(value), 0);
}
