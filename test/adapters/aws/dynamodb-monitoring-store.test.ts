import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbMonitoringStore } from '../../../src/adapters/aws/dynamodb-monitoring-store';
import type { DecisionRecord, MonitoringCheck } from '../../../src/ports/monitoring-store';

const TABLE = 'btc-fee-deepar-dev-monitoring';
const ddbMock = mockClient(DynamoDBDocumentClient);
const AT = '2025-05-01T12:00:00.000Z';

const aCheck = (overrides: Partial<MonitoringCheck> = {}): MonitoringCheck => ({
  at: AT,
  stage: 'production',
  outcome: 'measured',
  loss: 0.31,
  threshold: 0.5,
  endpoint: 'btc-fee-deepar-dev-production',
  windows: 2,
  rmse: 12.5,
  ...overrides,
});

const aDecision = (overrides: Partial<DecisionRecord> = {}): DecisionRecord => ({
  at: AT,
  retrain: false,
  reason: 'nothing measured yet',
  consecutiveBreaches: 0,
  ...overrides,
});

function newStore() {
  return new DynamoDbMonitoringStore({ tableName: TABLE, client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })) });
}

beforeEach(() => ddbMock.reset());

describe('Function: DynamoDbMonitoringStore.appendCheck', () => {
  it('puts the check under kind "check" and sort key "<at>#<stage>", at in toISOString form', async () => {
    // Prepare
    ddbMock.on(PutCommand).resolves({});

    // Act
    await newStore().appendCheck(aCheck({ at: '2025-05-01T12:00:00Z' }));

    // Assess
    expect(ddbMock).toReceiveCommandTimes(PutCommand, 1);
    expect(ddbMock.commandCalls(PutCommand)[0].args[0].input).toEqual({
      TableName: TABLE,
      Item: { ...aCheck(), kind: 'check', sk: '2025-05-01T12:00:00.000Z#production' },
    });
  });

  it('leaves out a figure that is not a number (DynamoDB has no NaN)', async () => {
    // Prepare
    ddbMock.on(PutCommand).resolves({});
    const { rmse: _rmse, ...withoutRmse } = aCheck();

    // Act
    await newStore().appendCheck(aCheck({ rmse: NaN }));

    // Assess
    expect(ddbMock).toReceiveCommandWith(PutCommand, { Item: { ...withoutRmse, kind: 'check', sk: `${AT}#production` } });
    expect(ddbMock.commandCalls(PutCommand)[0].args[0].input.Item).not.toHaveProperty('rmse');
  });

  it('refuses a time that is not ISO 8601 before calling DynamoDB', async () => {
    await expect(newStore().appendCheck(aCheck({ at: 'yesterday' }))).rejects.toThrow(RangeError);
    expect(ddbMock).toReceiveCommandTimes(PutCommand, 0);
  });
});

describe('Function: DynamoDbMonitoringStore.recentChecks', () => {
  it('queries newest first with a Limit and returns them oldest first, without the keys', async () => {
    // Prepare
    const newer = aCheck({ at: '2025-05-01T13:00:00.000Z' });
    ddbMock.on(QueryCommand).resolves({
      Items: [
        { ...newer, kind: 'check', sk: `${newer.at}#production` },
        { ...aCheck(), kind: 'check', sk: `${AT}#production` },
      ],
    });

    // Act
    const checks = await newStore().recentChecks(2);

    // Assess
    expect(ddbMock).toReceiveCommandWith(QueryCommand, {
      TableName: TABLE,
      KeyConditionExpression: '#kind = :kind',
      ExpressionAttributeNames: { '#kind': 'kind' },
      ExpressionAttributeValues: { ':kind': 'check' },
      ScanIndexForward: false,
      Limit: 2,
    });
    expect(checks).toEqual([aCheck(), newer]);
  });

  it('follows LastEvaluatedKey for the rest of the limit only', async () => {
    // Prepare
    const key = { kind: 'check', sk: `${AT}#staging` };
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ ...aCheck({ stage: 'staging' }), ...key }], LastEvaluatedKey: key })
      .resolvesOnce({ Items: [{ ...aCheck(), kind: 'check', sk: `${AT}#production` }], LastEvaluatedKey: { kind: 'check', sk: `${AT}#production` } });

    // Act
    const checks = await newStore().recentChecks(2);

    // Assess
    expect(ddbMock).toReceiveCommandTimes(QueryCommand, 2);
    expect(ddbMock).toReceiveNthCommandWith(2, QueryCommand, { Limit: 1, ExclusiveStartKey: key, ScanIndexForward: false });
    expect(checks.map((c) => c.stage)).toEqual(['production', 'staging']);
  });
});

describe('Function: DynamoDbMonitoringStore.appendDecision', () => {
  it('puts the decision under kind "decision", "<at>#-" when it names no stage', async () => {
    // Prepare
    ddbMock.on(PutCommand).resolves({});

    // Act
    await newStore().appendDecision(aDecision());

    // Assess
    expect(ddbMock).toReceiveCommandWith(PutCommand, { TableName: TABLE, Item: { ...aDecision(), kind: 'decision', sk: `${AT}#-` } });
  });

  it('puts a retraining decision under "<at>#<stage>"', async () => {
    // Prepare
    ddbMock.on(PutCommand).resolves({});
    const record = aDecision({ retrain: true, stage: 'production', consecutiveBreaches: 3, reason: '3 consecutive checks of production over the threshold' });

    // Act
    await newStore().appendDecision(record);

    // Assess
    expect(ddbMock).toReceiveCommandWith(PutCommand, { TableName: TABLE, Item: { ...record, kind: 'decision', sk: `${AT}#production` } });
  });
});

describe('Function: DynamoDbMonitoringStore.recentDecisions', () => {
  it('queries the decisions newest first and returns them oldest first', async () => {
    // Prepare
    const later = aDecision({ at: '2025-05-01T13:00:00.000Z', retrain: true, stage: 'staging', consecutiveBreaches: 3, reason: 'r' });
    ddbMock.on(QueryCommand).resolves({
      Items: [
        { ...later, kind: 'decision', sk: `${later.at}#staging` },
        { ...aDecision(), kind: 'decision', sk: `${AT}#-` },
      ],
    });

    // Act
    const decisions = await newStore().recentDecisions(5);

    // Assess
    expect(ddbMock).toReceiveCommandWith(QueryCommand, { ExpressionAttributeValues: { ':kind': 'decision' }, ScanIndexForward: false, Limit: 5 });
    expect(decisions).toEqual([aDecision(), later]);
  });
});
