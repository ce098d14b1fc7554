import { type AttributeValueJson, beginsWith, compareValues, equalValues, type ItemJson } from './attribute-values';
import type { Condition, Operand } from './expressions';

/**
 * Whether an item (empty when there is none) meets a parsed condition, as DynamoDB decides it
 * ("Condition and filter expressions, operators, and functions":
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html).
 */

function valueOf(operand: Operand, item: ItemJson): AttributeValueJson | undefined {
  return operand.kind === 'value' ? operand.value : Object.hasOwn(item, operand.name) ? item[operand.name] : undefined;
}

export function holds(condition: Condition, item: ItemJson): boolean {
  switch (condition.kind) {
    case 'and':
      return holds(condition.left, item) && holds(condition.right, item);
    case 'or':
      return holds(condition.left, item) || holds(condition.right, item);
    case 'not':
      return !holds(condition.operand, item);
    case 'attribute_exists':
      return Object.hasOwn(item, condition.name);
    case 'attribute_not_exists':
      return !Object.hasOwn(item, condition.name);
    case 'begins_with': {
      const subject = valueOf(condition.subject, item);
      const prefix = valueOf(condition.prefix, item);
      return subject !== undefined && prefix !== undefined && beginsWith(subject, prefix);
    }
    case 'between': {
      const subject = valueOf(condition.subject, item);
      const low = valueOf(condition.low, item);
      const high = valueOf(condition.high, item);
      if (subject === undefined || low === undefined || high === undefined) return false;
      const fromLow = compareValues(subject, low);
      const toHigh = compareValues(subject, high);
      return fromLow !== undefined && toHigh !== undefined && fromLow >= 0 && toHigh <= 0;
    }
    case 'compare': {
      const left = valueOf(condition.left, item);
      const right = valueOf(condition.right, item);
      const equal = left !== undefined && right !== undefined && equalValues(left, right);
      // A missing attribute equals nothing, so `<>` holds for it, and no other comparison does
      // (observed on DynamoDB, e.g. https://github.com/ExtendDB/extenddb/pull/5).
      if (condition.comparator === '=') return equal;
      if (condition.comparator === '<>') return !equal;
      if (left === undefined || right === undefined) return false;
      const order = compareValues(left, right);
      if (order === undefined) return false;
      switch (condition.comparator) {
        case '<':
          return order < 0;
        case '<=':
          return order <= 0;
        case '>':
          return order > 0;
        case '>=':
          return order >= 0;
      }
    }
  }
}
