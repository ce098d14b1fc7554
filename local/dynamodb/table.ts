import { randomUUID } from 'node:crypto';
import { type AttributeValueJson, compareValues, type ItemJson, itemOf, keyPart, typeOf } from './attribute-values';
import { validationError } from './errors';

/** The types a key attribute may have ("Primary key": S, N or B). */
export type KeyAttributeType = 'S' | 'N' | 'B';

export interface LocalTableKeySchema {
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** The key attributes' types, as the template's AttributeDefinitions give them. @default 'S' */
  readonly partitionKeyType?: KeyAttributeType;
  readonly sortKeyType?: KeyAttributeType;
}

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

/** DynamoDB's answer to a Key that is not exactly the table's key attributes with their types. */
export const KEY_MISMATCH = 'The provided key element does not match the schema';

/**
 * One table: its key schema and its items, by key. Items are kept as the client wrote them; their
 * keys are compared by value (`1` and `1.0` are one number).
 */
export class LocalTable {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute | undefined;
  private readonly itemsByKey = new Map<string, ItemJson>();
  readonly id = randomUUID();
  readonly createdAt = Date.now();

  constructor(
    readonly name: string,
    schema: LocalTableKeySchema,
  ) {
    this.partitionKey = { name: schema.partitionKey, type: schema.partitionKeyType ?? 'S' };
    this.sortKey = schema.sortKey === undefined ? undefined : { name: schema.sortKey, type: schema.sortKeyType ?? 'S' };
  }

  get keyAttributes(): readonly KeyAttribute[] {
    return this.sortKey === undefined ? [this.partitionKey] : [this.partitionKey, this.sortKey];
  }

  get itemCount(): number {
    return this.itemsByKey.size;
  }

  /** The string that names the item with these key values. */
  private idOf(item: ItemJson): string {
    return JSON.stringify(this.keyAttributes.map((attribute) => keyPart(item[attribute.name] as AttributeValueJson)));
  }

  /**
   * A request's Key (GetItem, DeleteItem, UpdateItem, ExclusiveStartKey): the key attributes, each
   * of its type, and nothing else.
   */
  keyFrom(raw: unknown): ItemJson {
    if (raw === undefined) throw validationError(KEY_MISMATCH);
    const key = itemOf(raw);
    const names = Object.keys(key);
    const matches =
      names.length === this.keyAttributes.length &&
      this.keyAttributes.every((attribute) => Object.hasOwn(key, attribute.name) && typeOf(key[attribute.name]!) === attribute.type);
    if (!matches) throw validationError(KEY_MISMATCH);
    this.checkNotEmpty(key);
    return key;
  }

  /** A PutItem's Item must hold the key attributes with their types. */
  checkItemKey(item: ItemJson): void {
    for (const attribute of this.keyAttributes) {
      const value = Object.hasOwn(item, attribute.name) ? item[attribute.name] : undefined;
      if (value === undefined)
        throw validationError(`One or more parameter values were invalid: Missing the key ${attribute.name} in the item`);
      if (typeOf(value) !== attribute.type) {
        throw validationError(
          `One or more parameter values were invalid: Type mismatch for key ${attribute.name} expected: ${attribute.type} actual: ${typeOf(value)}`,
        );
      }
    }
    this.checkNotEmpty(item);
  }

  /** "Primary key": key attribute values of type String or Binary may not be empty. */
  private checkNotEmpty(item: ItemJson): void {
    for (const attribute of this.keyAttributes) {
      const value = item[attribute.name] as AttributeValueJson;
      if (('S' in value && value.S === '') || ('B' in value && value.B === '')) {
        const what = 'S' in value ? 'string' : 'binary';
        throw validationError(
          `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${what} value. Key: ${attribute.name}`,
        );
      }
    }
  }

  /** Just the key attributes of an item. */
  keyOf(item: ItemJson): ItemJson {
    return Object.fromEntries(this.keyAttributes.map((attribute) => [attribute.name, item[attribute.name] as AttributeValueJson]));
  }

  get(key: ItemJson): ItemJson | undefined {
    return this.itemsByKey.get(this.idOf(key));
  }

  put(item: ItemJson): void {
    this.itemsByKey.set(this.idOf(item), item);
  }

  delete(key: ItemJson): void {
    this.itemsByKey.delete(this.idOf(key));
  }

  /** Key order: by partition key value, then by sort key value, as Query orders a partition. */
  compareKeys(left: ItemJson, right: ItemJson): number {
    for (const attribute of this.keyAttributes) {
      const order = compareValues(left[attribute.name] as AttributeValueJson, right[attribute.name] as AttributeValueJson) ?? 0;
      if (order !== 0) return order;
    }
    return 0;
  }

  /** Every item, in key order. */
  sortedItems(): ItemJson[] {
    return [...this.itemsByKey.values()].sort((left, right) => this.compareKeys(left, right));
  }
}
