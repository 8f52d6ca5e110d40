import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbApprovalStore } from '../../../src/adapters/aws/dynamodb-approval-store';
import { ApprovalConflictError } from '../../../src/core/errors';
import { DELIVERY_LEASE_MS } from '../../../src/core/approval';
import { AN_EXECUTION, aRequest } from '../../builders/approvals';

const TABLE = 'btc-fee-dev-approvals';
const ddbMock = mockClient(DynamoDBDocumentClient);
const HASH = 'a'.repeat(64);
const AT = '2025-05-01T12:05:00.000Z';
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

function newStore() {
  return new DynamoDbApprovalStore({ tableName: TABLE, client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })) });
}

const itemOf = (request = aRequest()) => ({ ...request, expiresAtEpoch: Math.floor(Date.parse(request.expiresAt) / 1000) });

beforeEach(() => ddbMock.reset());

describe('Function: DynamoDbApprovalStore.create', () => {
  it('puts the request with expiresAtEpoch for the TTL, never overwriting one', async () => {
    // Prepare
    ddbMock.on(PutCommand).resolves({});
    const request = aRequest();

    // Act
    await newStore().create(request);

    // Assess
    expect(ddbMock).toReceiveCommandWith(PutCommand, {
      TableName: TABLE,
      Item: { ...request, expiresAtEpoch: Date.parse(request.expiresAt) / 1000 },
      ConditionExpression: 'attribute_not_exists(idHash)',
    });
  });
});

describe('Function: DynamoDbApprovalStore.get', () => {
  it('reads strongly consistent and drops the TTL attribute', async () => {
    // Prepare
    ddbMock.on(GetCommand).resolves({ Item: itemOf() });

    // Act
    const request = await newStore().get(HASH);

    // Assess
    expect(ddbMock).toReceiveCommandWith(GetCommand, { TableName: TABLE, Key: { idHash: HASH }, ConsistentRead: true });
    expect(request).toEqual(aRequest());
  });
});

describe('Function: DynamoDbApprovalStore.decide', () => {
  const decision = { status: 'approved' as const, by: 'alice', at: AT, from: '10.0.0.1 (Firefox)' };

  // The decision is recorded with its delivery pending and claimed by the decider (issue 11 item 2).
  it('is one conditional UpdateItem: pending and not expired; the delivery starts pending, claimed for the lease', async () => {
    // Prepare
    ddbMock.on(UpdateCommand).resolves({ Attributes: itemOf(aRequest({ status: 'approved', decision })) });

    // Act
    const decided = await newStore().decide(HASH, decision);

    // Assess
    expect(ddbMock).toReceiveCommandTimes(UpdateCommand, 1);
    expect(ddbMock.commandCalls(UpdateCommand)[0].args[0].input).toEqual({
      TableName: TABLE,
      Key: { idHash: HASH },
      UpdateExpression: 'SET #status = :status, #decision = :decision, #delivery = :delivery, deliveryState = :deliveryState, claimedUntil = :claimedUntil',
      ConditionExpression: '#status = :pending AND expiresAtEpoch > :now',
      ExpressionAttributeNames: { '#status': 'status', '#decision': 'decision', '#delivery': 'delivery' },
      ExpressionAttributeValues: {
        ':status': 'approved',
        ':decision': decision,
        ':pending': 'pending',
        ':now': Date.parse(AT) / 1000,
        ':delivery': { state: 'pending', attempts: 1, claimedUntil: new Date(Date.parse(AT) + DELIVERY_LEASE_MS).toISOString(), lastAttemptAt: AT },
        ':deliveryState': 'pending',
        ':claimedUntil': new Date(Date.parse(AT) + DELIVERY_LEASE_MS).toISOString(),
      },
      ReturnValues: 'ALL_NEW',
    });
    expect(decided).toMatchObject({ status: 'approved', decision });
  });

  it('reads the item back after a failed condition and throws ApprovalConflictError saying what happened', async () => {
    // Prepare
    const first = { status: 'approved' as const, by: 'bob', at: '2025-05-01T12:01:00.000Z', from: '10.0.0.2' };
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    ddbMock.on(GetCommand).resolves({ Item: itemOf(aRequest({ status: 'approved', decision: first })) });

    // Act
    const attempt = newStore().decide(HASH, decision);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ApprovalConflictError);
    await expect(attempt).rejects.toMatchObject({ message: 'this model was already approved by bob at 2025-05-01T12:01:00.000Z from 10.0.0.2' });
    expect(ddbMock).toReceiveCommandWith(GetCommand, { TableName: TABLE, Key: { idHash: HASH }, ConsistentRead: true });
  });

  it('says the link expired when the condition failed on the expiry', async () => {
    // Prepare
    const request = aRequest({ expiresAt: '2025-05-01T12:00:00.000Z' });
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    ddbMock.on(GetCommand).resolves({ Item: itemOf(request) });

    // Act
    const attempt = newStore().decide(HASH, decision);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ApprovalConflictError', message: 'this link expired at 2025-05-01T12:00:00.000Z' });
  });

  it('throws ApprovalNotFoundError when there is no such item', async () => {
    // Prepare
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    ddbMock.on(GetCommand).resolves({});

    // Act / Assess
    await expect(newStore().decide(HASH, decision)).rejects.toMatchObject({ name: 'ApprovalNotFoundError' });
  });
});

describe('Function: DynamoDbApprovalStore.listPending', () => {
  it('queries the status-createdAt index newest first, following LastEvaluatedKey', async () => {
    // Prepare
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [itemOf(aRequest({ idHash: '2'.repeat(64) }))], LastEvaluatedKey: { idHash: '2'.repeat(64), status: 'pending', createdAt: 'x' } })
      .resolvesOnce({ Items: [itemOf(aRequest({ idHash: '1'.repeat(64) }))] });

    // Act
    const pending = await newStore().listPending();

    // Assess
    expect(pending.map((r) => r.idHash)).toEqual(['2'.repeat(64), '1'.repeat(64)]);
    expect(ddbMock).toReceiveCommandTimes(QueryCommand, 2);
    expect(ddbMock.commandCalls(QueryCommand)[0].args[0].input).toEqual({
      TableName: TABLE,
      IndexName: 'status-createdAt',
      KeyConditionExpression: '#status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pending': 'pending' },
      ScanIndexForward: false,
    });
    expect(ddbMock).toReceiveNthCommandWith(2, QueryCommand, { ExclusiveStartKey: { idHash: '2'.repeat(64), status: 'pending', createdAt: 'x' } });
  });
});

describe('Function: DynamoDbApprovalStore.expirePendingFor', () => {
  it("expires each pending request of the execution's stage with a conditional update", async () => {
    // Prepare
    ddbMock.on(QueryCommand).resolves({ Items: [itemOf(aRequest({ idHash: '1'.repeat(64) })), itemOf(aRequest({ idHash: '2'.repeat(64) }))] });
    ddbMock
      .on(UpdateCommand, { Key: { idHash: '1'.repeat(64) } })
      .resolves({ Attributes: itemOf(aRequest({ idHash: '1'.repeat(64), status: 'expired', expiredAt: AT })) })
      .on(UpdateCommand, { Key: { idHash: '2'.repeat(64) } })
      .rejects(conditionFailed());

    // Act
    const expired = await newStore().expirePendingFor(AN_EXECUTION, 'staging', AT);

    // Assess
    expect(ddbMock).toReceiveCommandWith(QueryCommand, {
      IndexName: 'status-createdAt',
      FilterExpression: 'executionArn = :executionArn AND #stage = :stage',
      ExpressionAttributeNames: { '#status': 'status', '#stage': 'stage' },
      ExpressionAttributeValues: { ':pending': 'pending', ':executionArn': AN_EXECUTION, ':stage': 'staging' },
    });
    expect(ddbMock).toReceiveCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: { idHash: '1'.repeat(64) },
      UpdateExpression: 'SET #status = :expired, expiredAt = :at',
      ConditionExpression: '#status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':expired': 'expired', ':at': AT, ':pending': 'pending' },
      ReturnValues: 'ALL_NEW',
    });
    expect(expired.map((r) => r.idHash)).toEqual(['1'.repeat(64)]);
  });
});

describe('Function: DynamoDbApprovalStore.expire', () => {
  it('returns the request as it stands when it was no longer pending', async () => {
    // Prepare
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    ddbMock.on(GetCommand).resolves({ Item: itemOf(aRequest({ status: 'rejected' })) });

    // Act
    const request = await newStore().expire(HASH, AT);

    // Assess
    expect(request.status).toBe('rejected');
  });
});
