import {
  BatchGetRecordCommand,
  type BatchGetRecordCommandInput,
  type BatchGetRecordResultDetail,
  PutRecordCommand,
  type PutRecordCommandInput,
  SageMakerFeatureStoreRuntimeClient,
} from '@aws-sdk/client-sagemaker-featurestore-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { SageMakerFeatureStore } from '../../../src/adapters/aws';
import type { FeatureRecord } from '../../../src/core/feature-record';

const FEATURE_GROUP_NAME = 'btc-fee-per-minute';
const FEATURE_NAMES = ['tx_minute', 'total_nb_trx_1min', 'total_fee_1min', 'avg_fee_1min', 'event_time'];
const T0 = Date.parse('2025-03-05T00:00:00Z');

const featureStoreMock = mockClient(SageMakerFeatureStoreRuntimeClient);

/** Test-data mother: a valid record for the minute `T0 + i`. */
function aRecord(i: number, overrides: Partial<Record<keyof FeatureRecord, unknown>> = {}): FeatureRecord {
  const minute = new Date(T0 + i * 60_000).toISOString().replace('.000Z', 'Z');
  return {
    tx_minute: minute,
    total_nb_trx_1min: 10 + i,
    total_fee_1min: 2500.5 + i,
    avg_fee_1min: 250.05,
    event_time: new Date(T0 + (i + 1) * 60_000).toISOString(),
    ...overrides,
  } as FeatureRecord;
}

function minuteIds(first: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => aRecord(first + i).tx_minute);
}

/** A BatchGetRecord result as Feature Store returns it: every value a string. */
function aResult(record: Record<string, string>): BatchGetRecordResultDetail {
  return {
    FeatureGroupName: FEATURE_GROUP_NAME,
    RecordIdentifierValueAsString: record.tx_minute,
    Record: Object.entries(record).map(([FeatureName, ValueAsString]) => ({ FeatureName, ValueAsString })),
  };
}

function storedResult(i: number): BatchGetRecordResultDetail {
  const r = aRecord(i);
  return aResult(Object.fromEntries(FEATURE_NAMES.map((name) => [name, String(r[name as keyof FeatureRecord])])));
}

function newStore(options: { maxAttempts?: number; sleep?: (ms: number) => Promise<void> } = {}) {
  return new SageMakerFeatureStore({
    featureGroupName: FEATURE_GROUP_NAME,
    client: new SageMakerFeatureStoreRuntimeClient({ region: 'eu-west-1' }),
    sleep: options.sleep ?? (async () => undefined),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });
}

function batchGetInputs(): BatchGetRecordCommandInput[] {
  return featureStoreMock.commandCalls(BatchGetRecordCommand).map((call) => call.args[0].input);
}

beforeEach(() => {
  featureStoreMock.reset();
});

describe('Function: SageMakerFeatureStore.putRecords', () => {
  it('sends one PutRecord per record with the five features in schema order', async () => {
    // Prepare
    featureStoreMock.on(PutRecordCommand).resolves({});
    const store = newStore();
    const records = [aRecord(0), aRecord(1)];

    // Act
    await store.putRecords(records);

    // Assess
    expect(featureStoreMock).toReceiveCommandTimes(PutRecordCommand, 2);
    expect(featureStoreMock).toReceiveCommandWith(PutRecordCommand, {
      FeatureGroupName: FEATURE_GROUP_NAME,
      Record: [
        { FeatureName: 'tx_minute', ValueAsString: '2025-03-05T00:00:00Z' },
        { FeatureName: 'total_nb_trx_1min', ValueAsString: '10' },
        { FeatureName: 'total_fee_1min', ValueAsString: '2500.5' },
        { FeatureName: 'avg_fee_1min', ValueAsString: '250.05' },
        { FeatureName: 'event_time', ValueAsString: '2025-03-05T00:01:00.000Z' },
      ],
    });
    expect(featureStoreMock).toReceiveCommandWith(PutRecordCommand, {
      FeatureGroupName: FEATURE_GROUP_NAME,
      Record: [
        { FeatureName: 'tx_minute', ValueAsString: '2025-03-05T00:01:00Z' },
        { FeatureName: 'total_nb_trx_1min', ValueAsString: '11' },
        { FeatureName: 'total_fee_1min', ValueAsString: '2501.5' },
        { FeatureName: 'avg_fee_1min', ValueAsString: '250.05' },
        { FeatureName: 'event_time', ValueAsString: '2025-03-05T00:02:00.000Z' },
      ],
    });
    expect(featureStoreMock.commandCalls(PutRecordCommand).map((c) => Object.keys(c.args[0].input))).toEqual([
      ['FeatureGroupName', 'Record'],
      ['FeatureGroupName', 'Record'],
    ]);
  });

  it('rejects the whole batch before any PutRecord when one record is bad, naming the record and field', async () => {
    // Prepare
    featureStoreMock.on(PutRecordCommand).resolves({});
    const store = newStore();
    const records = [aRecord(0), aRecord(1), aRecord(2, { avg_fee_1min: -3 })];

    // Act
    const attempt = store.putRecords(records);

    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/record 2 \(tx_minute 2025-03-05T00:02:00Z\): avg_fee_1min/),
      details: { recordId: '2025-03-05T00:02:00Z', field: 'avg_fee_1min', line: 2 },
    });
    expect(featureStoreMock).not.toReceiveCommand(PutRecordCommand);
  });

  it('keeps at most 8 PutRecord calls in flight', async () => {
    // Prepare
    let inFlight = 0;
    let peak = 0;
    featureStoreMock.on(PutRecordCommand).callsFake(async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return {};
    });
    const store = newStore();
    const records = Array.from({ length: 30 }, (_, i) => aRecord(i));

    // Act
    await store.putRecords(records);

    // Assess
    expect(featureStoreMock).toReceiveCommandTimes(PutRecordCommand, 30);
    expect(peak).toBe(8);
    const sent = featureStoreMock.commandCalls(PutRecordCommand).map((c) => c.args[0].input.Record?.[0].ValueAsString);
    expect(new Set(sent)).toEqual(new Set(minuteIds(0, 30)));
  });

  it('throws StoreError saying how many records were written when a PutRecord fails, and starts no more', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    featureStoreMock.on(PutRecordCommand).callsFake(async (input: PutRecordCommandInput) => {
      if (input.Record?.[0].ValueAsString === '2025-03-05T00:03:00Z') throw throttled;
      return {};
    });
    const store = newStore();
    const records = Array.from({ length: 20 }, (_, i) => aRecord(i));

    // Act
    const attempt = store.putRecords(records);

    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'StoreError',
      message: expect.stringMatching(/of 20 records were written: ThrottlingException: Rate exceeded/),
      cause: throttled,
    });
    expect(featureStoreMock).toReceiveCommandWith(PutRecordCommand, { FeatureGroupName: FEATURE_GROUP_NAME });
    expect(featureStoreMock.commandCalls(PutRecordCommand).length).toBeLessThan(20);
  });

  it('sends nothing for an empty batch', async () => {
    // Prepare
    const store = newStore();

    // Act
    await store.putRecords([]);

    // Assess
    expect(featureStoreMock).not.toReceiveAnyCommand();
  });
});

describe('Function: SageMakerFeatureStore.getRecords', () => {
  it('asks for 250 minutes in three BatchGetRecord calls of 100, 100 and 50 identifiers', async () => {
    // Prepare
    featureStoreMock.on(BatchGetRecordCommand).resolves({ Records: [], Errors: [], UnprocessedIdentifiers: [] });
    const store = newStore();

    // Act
    const records = await store.getRecords({ from: new Date(T0), to: new Date(T0 + 250 * 60_000) });

    // Assess
    expect(records).toEqual([]);
    expect(featureStoreMock).toReceiveCommandTimes(BatchGetRecordCommand, 3);
    const expectedInputs = [minuteIds(0, 100), minuteIds(100, 100), minuteIds(200, 50)].map((ids) => ({
      Identifiers: [{ FeatureGroupName: FEATURE_GROUP_NAME, RecordIdentifiersValueAsString: ids, FeatureNames: FEATURE_NAMES }],
    }));
    expectedInputs.forEach((input, i) => {
      expect(featureStoreMock).toReceiveNthSpecificCommandWith(i + 1, BatchGetRecordCommand, input);
    });
    expect(batchGetInputs()).toEqual(expectedInputs);
    expect(expectedInputs[0].Identifiers[0].RecordIdentifiersValueAsString.slice(0, 2)).toEqual([
      '2025-03-05T00:00:00Z',
      '2025-03-05T00:01:00Z',
    ]);
    expect(expectedInputs[2].Identifiers[0].RecordIdentifiersValueAsString.at(-1)).toBe('2025-03-05T04:09:00Z');
  });

  it('covers the half-open range [from, to) of minute starts when the bounds are not on a minute', async () => {
    // Prepare
    featureStoreMock.on(BatchGetRecordCommand).resolves({ Records: [] });
    const store = newStore();

    // Act
    await store.getRecords({ from: new Date(T0 + 30_000), to: new Date(T0 + 3 * 60_000 + 1) });

    // Assess
    expect(featureStoreMock).toReceiveCommandWith(BatchGetRecordCommand, {
      Identifiers: [
        {
          FeatureGroupName: FEATURE_GROUP_NAME,
          RecordIdentifiersValueAsString: ['2025-03-05T00:01:00Z', '2025-03-05T00:02:00Z', '2025-03-05T00:03:00Z'],
          FeatureNames: FEATURE_NAMES,
        },
      ],
    });
  });

  it('sends nothing for an empty range', async () => {
    // Prepare
    const store = newStore();

    // Act
    const records = await store.getRecords({ from: new Date(T0), to: new Date(T0) });

    // Assess
    expect(records).toEqual([]);
    expect(featureStoreMock).not.toReceiveAnyCommand();
  });

  it('converts each record back: numbers parsed, unparsable values kept raw, unknown features dropped', async () => {
    // Prepare
    featureStoreMock.on(BatchGetRecordCommand).resolves({
      Records: [
        storedResult(0),
        aResult({
          tx_minute: '2025-03-05T00:01:00Z',
          total_nb_trx_1min: 'twelve',
          total_fee_1min: '1e3',
          avg_fee_1min: 'NaN',
          event_time: '2025-03-05T00:02:00.000Z',
          write_time: '2025-03-05T00:02:01.000Z',
        }),
        {
          FeatureGroupName: FEATURE_GROUP_NAME,
          RecordIdentifierValueAsString: '2025-03-05T00:02:00Z',
          Record: [{ FeatureName: 'tx_minute', ValueAsString: '2025-03-05T00:02:00Z' }, { FeatureName: 'avg_fee_1min' }],
        },
      ],
    });
    const store = newStore();

    // Act
    const records = await store.getRecords({ from: new Date(T0), to: new Date(T0 + 5 * 60_000) });

    // Assess
    expect(featureStoreMock).toReceiveCommandWith(BatchGetRecordCommand, {
      Identifiers: [
        { FeatureGroupName: FEATURE_GROUP_NAME, RecordIdentifiersValueAsString: minuteIds(0, 5), FeatureNames: FEATURE_NAMES },
      ],
    });
    expect(records).toEqual([
      {
        tx_minute: '2025-03-05T00:00:00Z',
        total_nb_trx_1min: 10,
        total_fee_1min: 2500.5,
        avg_fee_1min: 250.05,
        event_time: '2025-03-05T00:01:00.000Z',
      },
      {
        tx_minute: '2025-03-05T00:01:00Z',
        total_nb_trx_1min: 'twelve',
        total_fee_1min: 1000,
        avg_fee_1min: 'NaN',
        event_time: '2025-03-05T00:02:00.000Z',
      },
      { tx_minute: '2025-03-05T00:02:00Z', avg_fee_1min: null },
    ]);
  });

  it('retries UnprocessedIdentifiers with exponential backoff and returns every record', async () => {
    // Prepare
    const unprocessed = { FeatureGroupName: FEATURE_GROUP_NAME, RecordIdentifiersValueAsString: minuteIds(2, 2), FeatureNames: FEATURE_NAMES };
    featureStoreMock
      .on(BatchGetRecordCommand)
      .resolvesOnce({ Records: [storedResult(0), storedResult(1)], UnprocessedIdentifiers: [unprocessed] })
      .resolvesOnce({ Records: [storedResult(2)], UnprocessedIdentifiers: [{ ...unprocessed, RecordIdentifiersValueAsString: minuteIds(3, 1) }] })
      .resolvesOnce({ Records: [storedResult(3)], UnprocessedIdentifiers: [] });
    const sleep = jest.fn(async (_ms: number) => undefined);
    const store = newStore({ sleep });

    // Act
    const records = await store.getRecords({ from: new Date(T0), to: new Date(T0 + 4 * 60_000) });

    // Assess
    expect(featureStoreMock).toReceiveCommandTimes(BatchGetRecordCommand, 3);
    expect(featureStoreMock).toReceiveNthSpecificCommandWith(1, BatchGetRecordCommand, {
      Identifiers: [{ FeatureGroupName: FEATURE_GROUP_NAME, RecordIdentifiersValueAsString: minuteIds(0, 4), FeatureNames: FEATURE_NAMES }],
    });
    expect(featureStoreMock).toReceiveNthSpecificCommandWith(2, BatchGetRecordCommand, { Identifiers: [unprocessed] });
    expect(featureStoreMock).toReceiveNthSpecificCommandWith(3, BatchGetRecordCommand, {
      Identifiers: [{ ...unprocessed, RecordIdentifiersValueAsString: ['2025-03-05T00:03:00Z'] }],
    });
    expect(sleep.mock.calls).toEqual([[100], [200]]);
    expect(records.map((r) => r.tx_minute)).toEqual(minuteIds(0, 4));
  });

  it('throws StoreError naming how many identifiers stayed unprocessed after maxAttempts', async () => {
    // Prepare
    const unprocessed = { FeatureGroupName: FEATURE_GROUP_NAME, RecordIdentifiersValueAsString: minuteIds(0, 3), FeatureNames: FEATURE_NAMES };
    featureStoreMock.on(BatchGetRecordCommand).resolves({ Records: [], UnprocessedIdentifiers: [unprocessed] });
    const sleep = jest.fn(async (_ms: number) => undefined);
    const store = newStore({ maxAttempts: 3, sleep });

    // Act
    const attempt = store.getRecords({ from: new Date(T0), to: new Date(T0 + 3 * 60_000) });

    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'StoreError',
      message: expect.stringContaining('3 identifier(s) stayed unprocessed after 3 attempts'),
    });
    expect(featureStoreMock).toReceiveCommandTimes(BatchGetRecordCommand, 3);
    expect(featureStoreMock).toReceiveNthSpecificCommandWith(3, BatchGetRecordCommand, { Identifiers: [unprocessed] });
    expect(sleep.mock.calls).toEqual([[100], [200]]);
  });

  it('throws StoreError with the codes and messages of Errors entries', async () => {
    // Prepare
    featureStoreMock.on(BatchGetRecordCommand).resolves({
      Records: [storedResult(0)],
      Errors: [
        {
          FeatureGroupName: FEATURE_GROUP_NAME,
          RecordIdentifierValueAsString: '2025-03-05T00:01:00Z',
          ErrorCode: 'InternalFailure',
          ErrorMessage: 'An internal failure occurred',
        },
      ],
    });
    const store = newStore();

    // Act
    const attempt = store.getRecords({ from: new Date(T0), to: new Date(T0 + 2 * 60_000) });

    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'StoreError',
      message: expect.stringContaining('2025-03-05T00:01:00Z: InternalFailure An internal failure occurred'),
    });
    expect(featureStoreMock).toReceiveCommandWith(BatchGetRecordCommand, {
      Identifiers: [{ FeatureGroupName: FEATURE_GROUP_NAME, RecordIdentifiersValueAsString: minuteIds(0, 2), FeatureNames: FEATURE_NAMES }],
    });
  });

  it('wraps a failed call in StoreError with the SDK error as cause', async () => {
    // Prepare
    const missing = Object.assign(new Error('Feature group not found'), { name: 'ResourceNotFound' });
    featureStoreMock.on(BatchGetRecordCommand).rejects(missing);
    const store = newStore();

    // Act
    const attempt = store.getRecords({ from: new Date(T0), to: new Date(T0 + 60_000) });

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'StoreError', cause: missing });
    expect(featureStoreMock).toReceiveCommandWith(BatchGetRecordCommand, {
      Identifiers: [{ FeatureGroupName: FEATURE_GROUP_NAME, RecordIdentifiersValueAsString: ['2025-03-05T00:00:00Z'], FeatureNames: FEATURE_NAMES }],
    });
  });
});

describe('Function: SageMakerFeatureStore constructor', () => {
  it('rejects a maxAttempts that is not a positive integer', () => {
    // Prepare
    const options = { featureGroupName: FEATURE_GROUP_NAME, maxAttempts: 0 };

    // Act
    const construct = () => new SageMakerFeatureStore(options);

    // Assess
    expect(construct).toThrow(RangeError);
  });
});
