/**
 * An in-memory DynamoDB table behind aws-sdk-client-mock, at the document client's level: Put, Get,
 * Update (SET) and Query (on the table or a global secondary index), with the condition, key condition
 * and filter expressions our adapters write (`=`, `<>`, `<`, `<=`, `>`, `>=`, attribute_exists,
 * attribute_not_exists, joined by AND). Query reads `pageSize` items a page, applies Limit before the
 * filter and pages with LastEvaluatedKey, as DynamoDB does.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

type Item = Record<string, unknown>;
interface KeySchema {
  partitionKey: string;
  sortKey?: string;
}
export interface TableSchema extends KeySchema {
  indexes?: Record<string, KeySchema>;
}
interface Expressions {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

export function fakeDynamoDbTable(schema: TableSchema, { pageSize = 2 } = {}) {
  const items = new Map<string, Item>();
  const keyOf = (item: Item) => JSON.stringify([item[schema.partitionKey], schema.sortKey ? item[schema.sortKey] : null]);
  const mock = mockClient(DynamoDBDocumentClient);

  mock.on(PutCommand).callsFake(async ({ Item, ConditionExpression, ...expressions }) => {
    const stored = storable(Item as Item);
    const existing = items.get(keyOf(stored));
    if (ConditionExpression && !holds(ConditionExpression, existing ?? {}, expressions)) throw conditionFailed();
    items.set(keyOf(stored), stored);
    return {};
  });
  mock.on(GetCommand).callsFake(async ({ Key }) => {
    const item = items.get(keyOf(Key as Item));
    return item ? { Item: structuredClone(item) } : {};
  });
  mock.on(UpdateCommand).callsFake(async ({ Key, UpdateExpression, ConditionExpression, ReturnValues, ...expressions }) => {
    const existing = items.get(keyOf(Key as Item));
    if (ConditionExpression && !holds(ConditionExpression, existing ?? {}, expressions)) throw conditionFailed();
    const updated = storable({ ...(existing ?? Key), ...assignments(UpdateExpression!, expressions) });
    items.set(keyOf(updated), updated);
    return ReturnValues === 'ALL_NEW' ? { Attributes: structuredClone(updated) } : {};
  });
  mock.on(QueryCommand).callsFake(async ({ IndexName, KeyConditionExpression, FilterExpression, ScanIndexForward, Limit, ExclusiveStartKey, ...expressions }) => {
    const keys = IndexName ? schema.indexes?.[IndexName] : schema;
    if (!keys) throw new Error(`the fake table has no index ${IndexName}`);
    const sortKey = keys.sortKey;
    const matching = [...items.values()]
      .filter((item) => item[keys.partitionKey] !== undefined && holds(KeyConditionExpression!, item, expressions))
      .sort((a, b) => (sortKey ? compare(a[sortKey], b[sortKey]) : 0) * (ScanIndexForward === false ? -1 : 1));
    const start = ExclusiveStartKey ? matching.findIndex((item) => keyOf(item) === keyOf(ExclusiveStartKey as Item)) + 1 : 0;
    const evaluated = matching.slice(start, start + Math.min(pageSize, Limit ?? Infinity));
    const last = evaluated[evaluated.length - 1];
    const more = start + evaluated.length < matching.length;
    return {
      Items: evaluated.filter((item) => !FilterExpression || holds(FilterExpression, item, expressions)).map((item) => structuredClone(item)),
      ...(more && last ? { LastEvaluatedKey: primaryKeyOf(last, schema, keys) } : {}),
    };
  });

  return {
    client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
    restore: () => mock.restore(),
  };
}

function conditionFailed() {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } });
}

/** As the adapters' document clients marshall it (removeUndefinedValues); DynamoDB has no NaN or infinity. */
function storable(item: Item): Item {
  return JSON.parse(
    JSON.stringify(item, (_, v) => {
      if (typeof v === 'number' && !Number.isFinite(v)) throw Object.assign(new Error(`${v} is not a number DynamoDB stores`), { name: 'ValidationException' });
      return v;
    }),
  ) as Item;
}

function primaryKeyOf(item: Item, table: KeySchema, index: KeySchema): Item {
  const names = [table.partitionKey, table.sortKey, index.partitionKey, index.sortKey].filter((n): n is string => !!n);
  return Object.fromEntries(names.map((n) => [n, item[n]]));
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function operand(token: string, item: Item, { ExpressionAttributeNames: names = {}, ExpressionAttributeValues: values = {} }: Expressions): unknown {
  if (token.startsWith(':')) {
    if (!(token in values)) throw new Error(`expression value ${token} is not defined`);
    return values[token];
  }
  const name = token.startsWith('#') ? names[token] : token;
  if (name === undefined) throw new Error(`expression name ${token} is not defined`);
  return item[name];
}

/** Evaluates `term AND term ...` on an item. */
function holds(expression: string, item: Item, expressions: Expressions): boolean {
  return expression.split(/\s+AND\s+/i).every((term) => {
    const fn = /^(attribute_exists|attribute_not_exists)\(\s*([#\w]+)\s*\)$/.exec(term.trim());
    if (fn) return (operand(fn[2], item, expressions) !== undefined) === (fn[1] === 'attribute_exists');
    const cmp = /^([#:\w]+)\s*(=|<>|<=|>=|<|>)\s*([#:\w]+)$/.exec(term.trim());
    if (!cmp) throw new Error(`the fake cannot evaluate ${JSON.stringify(term)}`);
    const left = operand(cmp[1], item, expressions);
    const right = operand(cmp[3], item, expressions);
    if (left === undefined || right === undefined) return false;
    const order = compare(left, right);
    return { '=': order === 0, '<>': order !== 0, '<': order < 0, '<=': order <= 0, '>': order > 0, '>=': order >= 0 }[cmp[2]]!;
  });
}

/** `SET a = :x, #b = :y` as the attributes it sets. */
function assignments(expression: string, expressions: Expressions): Item {
  const set = /^\s*SET\s+(.+)$/i.exec(expression);
  if (!set) throw new Error(`the fake only runs SET updates, not ${JSON.stringify(expression)}`);
  return Object.fromEntries(
    set[1].split(',').map((part) => {
      const [path, value] = part.split('=').map((s) => s.trim());
      const name = path.startsWith('#') ? expressions.ExpressionAttributeNames?.[path] : path;
      return [name, operand(value, {}, expressions)];
    }),
  );
}
