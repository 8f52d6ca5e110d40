/**
 * Monitoring history in one DynamoDB table: partition key `kind` ('check' | 'decision'), sort key `sk`
 * = `<at>#<stage>` (`<at>#-` for a decision without a stage), `at` in `toISOString` form so the sort key
 * orders by time. The same check appended twice (a retried task) replaces itself. Reading the latest N is
 * one Query, newest first with a Limit, reversed to oldest first: no Scan.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DecisionRecord, MonitoringCheck, MonitoringStore } from '../../ports/monitoring-store';

export const MONITORING_KINDS = { check: 'check', decision: 'decision' } as const;
type Kind = (typeof MONITORING_KINDS)[keyof typeof MONITORING_KINDS];

export interface DynamoDbMonitoringStoreOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
}

function isoTime(value: string): string {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new RangeError(`at ${JSON.stringify(value)} is not an ISO 8601 time`);
  return new Date(ms).toISOString();
}

/** DynamoDB has no NaN or infinity: a figure that is not a number is left out, not stored. */
function withoutNonFinite<T extends object>(item: T): T {
  return Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined && (typeof v !== 'number' || Number.isFinite(v)))) as T;
}

function fromItem<T>(item: Record<string, unknown>): T {
  const { kind: _kind, sk: _sk, ...rest } = item;
  return rest as T;
}

export class DynamoDbMonitoringStore implements MonitoringStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoDbMonitoringStoreOptions) {
    this.tableName = options.tableName;
    this.client =
      options.client ?? DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  }

  async appendCheck(check: MonitoringCheck): Promise<void> {
    const at = isoTime(check.at);
    await this.put(MONITORING_KINDS.check, `${at}#${check.stage}`, { ...check, at });
  }

  async recentChecks(limit: number): Promise<MonitoringCheck[]> {
    return this.latest<MonitoringCheck>(MONITORING_KINDS.check, limit);
  }

  async appendDecision(record: DecisionRecord): Promise<void> {
    const at = isoTime(record.at);
    await this.put(MONITORING_KINDS.decision, `${at}#${record.stage ?? '-'}`, { ...record, at });
  }

  async recentDecisions(limit: number): Promise<DecisionRecord[]> {
    return this.latest<DecisionRecord>(MONITORING_KINDS.decision, limit);
  }

  private async put(kind: Kind, sk: string, fields: object): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...withoutNonFinite(fields), kind, sk } }));
  }

  /** The latest `limit` items of a kind, newest first from DynamoDB (following pages), returned oldest first. */
  private async latest<T>(kind: Kind, limit: number): Promise<T[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit ${limit} must be a whole number, 1 or more`);
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const response = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#kind = :kind',
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: { ':kind': kind },
          ScanIndexForward: false,
          Limit: limit - items.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(response.Items ?? []));
      startKey = response.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items.slice(0, limit).reverse().map((item) => fromItem<T>(item));
  }
}
