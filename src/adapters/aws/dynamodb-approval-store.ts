/**
 * Approval requests in a DynamoDB table keyed by `idHash` (the SHA-256 of the link's id).
 *
 * - `expiresAtEpoch` (seconds) is the table's TTL attribute: DynamoDB removes a request some time after
 *   it expires, decided or not. A decision's condition reads the same attribute, so a link cannot be
 *   used after its expiry even before the TTL sweep removes the item.
 * - `decide` is one UpdateItem with `#status = :pending AND expiresAtEpoch > :now`; when it fails, the
 *   item is read back (strongly consistent) and the caller gets an ApprovalConflictError saying why.
 * - `listPending` and `expirePendingFor` Query the global secondary index `status-createdAt`
 *   (partition `status`, sort `createdAt`), newest first: no Scan of the table.
 * - A decision's delivery is the `delivery` map, with its state and claim copied to the top-level
 *   `deliveryState` and `claimedUntil` for conditions and for the sparse index `deliveryState-createdAt`
 *   (only decided requests have it) the redelivery sweep Queries. A claim is a conditional update on the
 *   claim the caller read, so two senders never both hold it.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  conflictMessage,
  isClaimFree,
  newDelivery,
  type ApprovalDecision,
  type ApprovalDelivery,
  type ApprovalRequest,
  type ApprovalStage,
  type ApprovalStatus,
} from '../../core/approval';
import { ApprovalConflictError, ApprovalNotFoundError } from '../../core/errors';
import type { ApprovalStore } from '../../ports/approval-store';
import type { SsmTaskTokenVault } from './ssm-task-token-vault';

export const STATUS_INDEX = 'status-createdAt';
export const DELIVERY_INDEX = 'deliveryState-createdAt';

export interface DynamoDbApprovalStoreOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  /**
   * Keeps task tokens out of the table: the item holds only a reference the callbacks resolve
   * (issue 13 item 6). The production handlers always give one; without it tokens are stored as given.
   */
  tokenVault?: Pick<SsmTaskTokenVault, 'seal' | 'discard'>;
}

type Item = ApprovalRequest & { expiresAtEpoch: number; deliveryState?: string; claimedUntil?: string };

const epochSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

function toItem(request: ApprovalRequest): Item {
  return {
    ...request,
    expiresAtEpoch: epochSeconds(request.expiresAt),
    ...(request.delivery ? { deliveryState: request.delivery.state, claimedUntil: request.delivery.claimedUntil } : {}),
  };
}

function toRequest(item: Record<string, unknown>): ApprovalRequest {
  const { expiresAtEpoch: _ttl, deliveryState: _state, claimedUntil: _claim, ...request } = item as unknown as Item;
  return request;
}

/** The update that sets a delivery: the map and its indexed copies together. */
function deliveryUpdate(delivery: ApprovalDelivery) {
  return {
    set: '#delivery = :delivery, deliveryState = :deliveryState, claimedUntil = :claimedUntil',
    names: { '#delivery': 'delivery' },
    values: { ':delivery': delivery, ':deliveryState': delivery.state, ':claimedUntil': delivery.claimedUntil },
  };
}

const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException';

/** Re-exported for callers that imported it from here. */
export { conflictMessage };

export class DynamoDbApprovalStore implements ApprovalStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly tokenVault: DynamoDbApprovalStoreOptions['tokenVault'];

  constructor(options: DynamoDbApprovalStoreOptions) {
    this.tableName = options.tableName;
    this.tokenVault = options.tokenVault;
    this.client =
      options.client ?? DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  }

  async create(request: ApprovalRequest): Promise<void> {
    const taskToken = await this.sealed(request.idHash, request.taskToken);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: toItem({ ...request, taskToken }),
        ConditionExpression: 'attribute_not_exists(idHash)',
      }),
    );
  }

  async get(idHash: string): Promise<ApprovalRequest | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { idHash }, ConsistentRead: true }));
    return Item && toRequest(Item);
  }

  async decide(idHash: string, decision: ApprovalDecision): Promise<ApprovalRequest> {
    const delivery = deliveryUpdate(newDelivery(decision.at));
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { idHash },
          UpdateExpression: `SET #status = :status, #decision = :decision, ${delivery.set}`,
          ConditionExpression: '#status = :pending AND expiresAtEpoch > :now',
          ExpressionAttributeNames: { '#status': 'status', '#decision': 'decision', ...delivery.names },
          ExpressionAttributeValues: {
            ':status': decision.status,
            ':decision': decision,
            ':pending': 'pending',
            ':now': epochSeconds(decision.at),
            ...delivery.values,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (Attributes) return toRequest(Attributes);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const request = await this.get(idHash);
      if (!request) throw new ApprovalNotFoundError();
      throw new ApprovalConflictError(request, conflictMessage(request, decision.at));
    }
    const request = await this.get(idHash);
    if (!request) throw new ApprovalNotFoundError();
    return request;
  }

  async expire(idHash: string, at: string): Promise<ApprovalRequest> {
    const expired = await this.expireIfPending(idHash, at);
    if (expired) return expired;
    const request = await this.get(idHash);
    if (!request) throw new ApprovalNotFoundError();
    return request;
  }

  async expirePendingFor(executionArn: string, stage: ApprovalStage, at: string): Promise<ApprovalRequest[]> {
    const pending = (await this.queryPending({ executionArn, stage })).filter((r) => r.executionArn === executionArn && r.stage === stage);
    const expired: ApprovalRequest[] = [];
    for (const request of pending) {
      const done = await this.expireIfPending(request.idHash, at);
      if (done) expired.push(done);
    }
    return expired;
  }

  async listPending(): Promise<ApprovalRequest[]> {
    return this.queryPending();
  }

  async claimDelivery(idHash: string, at: string, until: string): Promise<ApprovalRequest | undefined> {
    const current = await this.get(idHash);
    const seen = current?.delivery;
    if (!seen || seen.state !== 'pending' || !isClaimFree(seen.claimedUntil, at)) return undefined;
    const update = deliveryUpdate({ ...seen, attempts: seen.attempts + 1, claimedUntil: until, lastAttemptAt: at });
    // The claim read above, still unchanged: nobody took it in between.
    return this.updateIf(idHash, update, 'deliveryState = :pending AND claimedUntil = :seen', { ':pending': 'pending', ':seen': seen.claimedUntil });
  }

  async recordDelivery(idHash: string, delivery: ApprovalDelivery): Promise<ApprovalRequest> {
    const recorded = await this.updateIf(idHash, deliveryUpdate(delivery), 'attribute_exists(idHash)');
    if (!recorded) throw new ApprovalNotFoundError();
    return recorded;
  }

  async attachTaskToken(idHash: string, taskToken: string): Promise<ApprovalRequest | undefined> {
    const current = await this.get(idHash);
    if (!current?.delivery || current.delivery.state !== 'awaiting-task') return undefined;
    const update = deliveryUpdate({ ...current.delivery, state: 'pending', claimedUntil: new Date(0).toISOString() });
    const sealed = await this.sealed(idHash, taskToken);
    return this.updateIf(idHash, { ...update, set: `taskToken = :token, ${update.set}` }, 'deliveryState = :awaiting', { ':token': sealed, ':awaiting': 'awaiting-task' });
  }

  /** One conditional SET of the delivery fields (and more); the request as it now is, or undefined when the condition failed. */
  private async updateIf(
    idHash: string,
    update: { set: string; names: Record<string, string>; values: Record<string, unknown> },
    condition: string,
    conditionValues: Record<string, unknown> = {},
  ): Promise<ApprovalRequest | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { idHash },
          UpdateExpression: `SET ${update.set}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: update.names,
          ExpressionAttributeValues: { ...update.values, ...conditionValues },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes && toRequest(Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async listUndelivered(): Promise<ApprovalRequest[]> {
    return this.queryIndex({ index: DELIVERY_INDEX, key: 'deliveryState', value: 'pending', newestFirst: false });
  }

  async listForExecution(executionArn: string): Promise<ApprovalRequest[]> {
    const statuses: ApprovalStatus[] = ['pending', 'approved', 'rejected', 'expired'];
    const requests: ApprovalRequest[] = [];
    for (const status of statuses) {
      requests.push(...(await this.queryIndex({ index: STATUS_INDEX, key: 'status', value: status, newestFirst: false, executionArn })));
    }
    return requests.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** One partition of an index, following LastEvaluatedKey; optionally one execution's requests only. */
  private async queryIndex(q: { index: string; key: string; value: string; newestFirst: boolean; executionArn?: string }): Promise<ApprovalRequest[]> {
    const requests: ApprovalRequest[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const response = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: q.index,
          KeyConditionExpression: '#key = :value',
          ExpressionAttributeNames: { '#key': q.key },
          ExpressionAttributeValues: { ':value': q.value, ...(q.executionArn ? { ':executionArn': q.executionArn } : {}) },
          ...(q.executionArn ? { FilterExpression: 'executionArn = :executionArn' } : {}),
          ScanIndexForward: !q.newestFirst,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      requests.push(...(response.Items ?? []).map(toRequest));
      startKey = response.LastEvaluatedKey;
    } while (startKey);
    return requests;
  }

  /** The reference the table keeps for a token (the token itself without a vault; '' stays ''). */
  private async sealed(idHash: string, taskToken: string): Promise<string> {
    return this.tokenVault && taskToken ? this.tokenVault.seal(idHash, taskToken) : taskToken;
  }

  /** The conditional update to `expired`; undefined when the request was not pending (or does not exist). */
  private async expireIfPending(idHash: string, at: string): Promise<ApprovalRequest | undefined> {
    const expired = await this.updateToExpired(idHash, at);
    // Nothing can use an expired request's token any more.
    // Best effort: a token left behind no longer opens anything (its wait timed out).
    if (expired && this.tokenVault) await this.tokenVault.discard(expired.taskToken).catch(() => {});
    return expired;
  }

  private async updateToExpired(idHash: string, at: string): Promise<ApprovalRequest | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { idHash },
          UpdateExpression: 'SET #status = :expired, expiredAt = :at',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':expired': 'expired', ':at': at, ':pending': 'pending' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes && toRequest(Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
  }

  /** Pending requests from the status index, newest first, following LastEvaluatedKey. */
  private async queryPending(filter?: { executionArn: string; stage: ApprovalStage }): Promise<ApprovalRequest[]> {
    const requests: ApprovalRequest[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const response = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: STATUS_INDEX,
          KeyConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status', ...(filter ? { '#stage': 'stage' } : {}) },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ...(filter ? { ':executionArn': filter.executionArn, ':stage': filter.stage } : {}),
          },
          ...(filter ? { FilterExpression: 'executionArn = :executionArn AND #stage = :stage' } : {}),
          ScanIndexForward: false,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      requests.push(...(response.Items ?? []).map(toRequest));
      startKey = response.LastEvaluatedKey;
    } while (startKey);
    return requests;
  }
}
