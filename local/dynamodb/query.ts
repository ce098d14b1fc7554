import { type AttributeValueJson, type ItemJson, keyPart, typeOf } from './attribute-values';
import { holds } from './conditions';
import { validationError } from './errors';
import type { Comparator, Condition, Operand } from './expressions';
import type { LocalTable } from './table';

/**
 * Query over one partition: the key condition (`pk = :v`, and at most one condition on the sort
 * key), the order of the sort key, and pages of at most Limit items.
 * "Query" (DynamoDB API Reference): https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html
 * "Key condition expressions for the Query operation": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html
 */

export interface QueryRequest {
  readonly keyCondition: Condition;
  /** true: ascending sort key order, as DynamoDB's default. */
  readonly scanIndexForward: boolean;
  readonly limit?: number;
  readonly exclusiveStartKey?: ItemJson;
}

export interface QueryPage {
  readonly items: readonly ItemJson[];
  /** Present when Limit stopped the query: where the next page starts. */
  readonly lastEvaluatedKey?: ItemJson;
}

const NOT_SUPPORTED = 'Query key condition not supported';
const FLIPPED: Readonly<Record<Comparator, Comparator>> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** The key attribute a term of the key condition is about, and the `:value` operands it compares with. */
interface KeyTerm {
  readonly name: string;
  readonly condition: Condition;
  readonly values: readonly AttributeValueJson[];
  readonly isEquality: boolean;
}

function termsOf(condition: Condition): Condition[] {
  if (condition.kind === 'and') return [...termsOf(condition.left), ...termsOf(condition.right)];
  if (condition.kind === 'or' || condition.kind === 'not') {
    throw validationError(`Invalid operator used in KeyConditionExpression: ${condition.kind.toUpperCase()}`);
  }
  return [condition];
}

function pathAndValue(left: Operand, right: Operand): { name: string; value: AttributeValueJson; flipped: boolean } {
  if (left.kind === 'path' && right.kind === 'value') return { name: left.name, value: right.value, flipped: false };
  if (left.kind === 'value' && right.kind === 'path') return { name: right.name, value: left.value, flipped: true };
  throw validationError(NOT_SUPPORTED);
}

function keyTerm(condition: Condition): KeyTerm {
  switch (condition.kind) {
    case 'compare': {
      if (condition.comparator === '<>') throw validationError(`Unsupported operator on KeyCondition: ${condition.comparator}`);
      const { name, value, flipped } = pathAndValue(condition.left, condition.right);
      const comparator = flipped ? FLIPPED[condition.comparator] : condition.comparator;
      return {
        name,
        values: [value],
        isEquality: comparator === '=',
        condition: { kind: 'compare', comparator, left: { kind: 'path', name }, right: { kind: 'value', value, placeholder: '' } },
      };
    }
    case 'between':
      if (condition.subject.kind !== 'path' || condition.low.kind !== 'value' || condition.high.kind !== 'value') {
        throw validationError(NOT_SUPPORTED);
      }
      return { name: condition.subject.name, values: [condition.low.value, condition.high.value], isEquality: false, condition };
    case 'begins_with':
      if (condition.subject.kind !== 'path' || condition.prefix.kind !== 'value') throw validationError(NOT_SUPPORTED);
      return { name: condition.subject.name, values: [condition.prefix.value], isEquality: false, condition };
    default:
      throw validationError(NOT_SUPPORTED);
  }
}

export function query(table: LocalTable, request: QueryRequest): QueryPage {
  const terms = termsOf(request.keyCondition).map(keyTerm);
  if (terms.length > 2) throw validationError('Conditions can be of length 1 or 2 only');
  const byName = new Map<string, KeyTerm>();
  for (const term of terms) {
    if (byName.has(term.name)) throw validationError('KeyConditionExpressions must only contain one condition per key');
    byName.set(term.name, term);
  }
  const partitionTerm = byName.get(table.partitionKey.name);
  if (partitionTerm === undefined) throw validationError(`Query condition missed key schema element: ${table.partitionKey.name}`);
  if (!partitionTerm.isEquality) throw validationError(NOT_SUPPORTED);
  const sortTerm = table.sortKey === undefined ? undefined : byName.get(table.sortKey.name);
  if (terms.length !== (sortTerm === undefined ? 1 : 2)) throw validationError(NOT_SUPPORTED);
  for (const term of terms) {
    const type = term.name === table.partitionKey.name ? table.partitionKey.type : table.sortKey?.type;
    if (term.values.some((value) => typeOf(value) !== type)) {
      throw validationError('One or more parameter values were invalid: Condition parameter type does not match schema type');
    }
  }
  const partition = keyPart(partitionTerm.values[0] as AttributeValueJson);

  const inPartition = (item: ItemJson): boolean => keyPart(item[table.partitionKey.name] as AttributeValueJson) === partition;
  let matching = table.sortedItems().filter((item) => inPartition(item) && (sortTerm === undefined || holds(sortTerm.condition, item)));
  if (!request.scanIndexForward) matching.reverse();

  const start = request.exclusiveStartKey;
  if (start !== undefined) {
    if (!inPartition(start)) throw validationError('The provided starting key is outside query boundaries based on provided conditions');
    const direction = request.scanIndexForward ? 1 : -1;
    matching = matching.filter((item) => direction * table.compareKeys(item, start) > 0);
  }
  if (request.limit === undefined || matching.length < request.limit) return { items: matching };
  // Limit is the number of items evaluated: reaching it ends the page, with the key to go on from
  // even when no item is left (the next page is then empty), as DynamoDB does.
  const items = matching.slice(0, request.limit);
  return { items, lastEvaluatedKey: table.keyOf(items[items.length - 1] as ItemJson) };
}
