/**
 * The feature group in SageMaker Feature Store (online store), behind the FeatureStore port.
 *
 * Records are keyed by `tx_minute`, so reading a range of minutes is a BatchGetRecord of the minutes'
 * identifiers: no scan, no query language, and minutes never written simply do not come back.
 */
import {
  BatchGetRecordCommand,
  type BatchGetRecordIdentifier,
  type FeatureValue,
  PutRecordCommand,
  SageMakerFeatureStoreRuntimeClient,
} from '@aws-sdk/client-sagemaker-featurestore-runtime';
import {
  FEATURE_GROUP,
  type FeatureName,
  type FeatureRecord,
  formatMinute,
  MINUTE_MS,
  type StoredFeatureRecord,
  validateFeatureRecords,
} from '../../core/feature-record';
import { StoreError } from '../../ports/errors';
import type { FeatureStore, MinuteRange } from '../../ports/feature-store';

/** BatchGetRecord accepts at most 100 record identifiers per feature group in one call. */
export const BATCH_GET_MAX_IDENTIFIERS = 100;
/** PutRecord calls in flight at once: Feature Store has no batch put. */
export const PUT_CONCURRENCY = 8;
/** BatchGetRecord calls in flight at once. */
export const GET_CONCURRENCY = 4;
/** Attempts per BatchGetRecord chunk, the first included, while identifiers come back unprocessed. */
export const DEFAULT_MAX_ATTEMPTS = 5;
/** First backoff delay; it doubles on every retry. */
export const BASE_DELAY_MS = 100;

const FEATURE_NAMES: FeatureName[] = FEATURE_GROUP.features.map((feature) => feature.name);
const NUMERIC_FEATURES = new Set<string>(
  FEATURE_GROUP.features.filter((feature) => feature.type !== 'String').map((feature) => feature.name),
);
/** A plain decimal number as Feature Store writes Integral and Fractional values. No hex, no Infinity. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface SageMakerFeatureStoreOptions {
  /** Name or ARN of the feature group. */
  featureGroupName: string;
  client?: SageMakerFeatureStoreRuntimeClient;
  /** Attempts per BatchGetRecord chunk while identifiers come back unprocessed (default 5). */
  maxAttempts?: number;
  /** Waits between retries; tests inject a no-op. */
  sleep?: (ms: number) => Promise<void>;
}

export class SageMakerFeatureStore implements FeatureStore {
  readonly featureGroupName: string;
  private readonly client: SageMakerFeatureStoreRuntimeClient;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: SageMakerFeatureStoreOptions) {
    if (!options.featureGroupName) throw new RangeError('featureGroupName is required');
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError(`maxAttempts is ${maxAttempts}, not a positive integer`);
    }
    this.featureGroupName = options.featureGroupName;
    this.client = options.client ?? new SageMakerFeatureStoreRuntimeClient({});
    this.maxAttempts = maxAttempts;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Validates the whole batch, then sends one PutRecord per record.
   *
   * Unlike the local store, the cloud store cannot be all-or-nothing: Feature Store has no batch put
   * and no transaction, so a failure part-way leaves the records already sent in place. Validating
   * everything before the first PutRecord is what keeps bad data out; a transient failure is safe to
   * retry with the same batch, since a record is keyed by its minute and the latest event_time wins.
   */
  async putRecords(records: readonly FeatureRecord[]): Promise<void> {
    const valid = validateFeatureRecords(records);
    let written = 0;
    try {
      await runLimited(valid, PUT_CONCURRENCY, async (record) => {
        await this.client.send(
          new PutRecordCommand({
            FeatureGroupName: this.featureGroupName,
            Record: FEATURE_NAMES.map((name) => ({ FeatureName: name, ValueAsString: String(record[name]) })),
          }),
        );
        written += 1;
      });
    } catch (error) {
      throw new StoreError(
        `PutRecord to feature group ${this.featureGroupName} failed after ${written} of ${valid.length} records were written: ${describe(error)}`,
        { cause: error },
      );
    }
  }

  /** The records of the minutes in [from, to), as stored; minutes never written are absent. */
  async getRecords({ from, to }: MinuteRange): Promise<StoredFeatureRecord[]> {
    const chunks = chunk(minutesIn(from, to), BATCH_GET_MAX_IDENTIFIERS);
    try {
      const results = await runLimited(chunks, GET_CONCURRENCY, (ids) => this.batchGet(ids));
      return results.flat();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(`BatchGetRecord on feature group ${this.featureGroupName} failed: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  /** One chunk of at most 100 identifiers, retrying the unprocessed ones with exponential backoff. */
  private async batchGet(recordIds: string[]): Promise<StoredFeatureRecord[]> {
    const records: StoredFeatureRecord[] = [];
    let pending: BatchGetRecordIdentifier[] = [
      { FeatureGroupName: this.featureGroupName, RecordIdentifiersValueAsString: recordIds, FeatureNames: FEATURE_NAMES },
    ];
    for (let attempt = 1; ; attempt += 1) {
      const response = await this.client.send(new BatchGetRecordCommand({ Identifiers: pending }));
      const errors = response.Errors ?? [];
      if (errors.length > 0) {
        const details = errors
          .map((e) => `${e.RecordIdentifierValueAsString}: ${e.ErrorCode} ${e.ErrorMessage}`)
          .join('; ');
        throw new StoreError(
          `BatchGetRecord on feature group ${this.featureGroupName} failed for ${errors.length} record(s): ${details}`,
        );
      }
      for (const detail of response.Records ?? []) records.push(toStoredRecord(detail.Record ?? []));

      pending = (response.UnprocessedIdentifiers ?? []).filter((id) => (id.RecordIdentifiersValueAsString ?? []).length > 0);
      if (pending.length === 0) return records;
      if (attempt >= this.maxAttempts) {
        const left = pending.reduce((n, id) => n + (id.RecordIdentifiersValueAsString ?? []).length, 0);
        throw new StoreError(
          `BatchGetRecord on feature group ${this.featureGroupName}: ${left} identifier(s) stayed unprocessed after ${attempt} attempts`,
        );
      }
      await this.sleep(BASE_DELAY_MS * 2 ** (attempt - 1));
    }
  }
}

/** The `tx_minute` of every minute start m with from <= m < to. */
function minutesIn(from: Date, to: Date): string[] {
  const start = from.getTime();
  const end = to.getTime();
  if (Number.isNaN(start) || Number.isNaN(end)) throw new RangeError('the minute range has an invalid date');
  const minutes: string[] = [];
  for (let m = Math.ceil(start / MINUTE_MS) * MINUTE_MS; m < end; m += MINUTE_MS) minutes.push(formatMinute(m));
  return minutes;
}

/** Feature values back to a record: numeric features parsed, unparsable values kept raw for the core to report. */
function toStoredRecord(values: readonly FeatureValue[]): StoredFeatureRecord {
  const record: StoredFeatureRecord = {};
  for (const { FeatureName: name, ValueAsString: raw } of values) {
    if (!name || !(FEATURE_NAMES as string[]).includes(name)) continue;
    const value = raw ?? null;
    record[name as FeatureName] =
      value !== null && NUMERIC_FEATURES.has(name) && DECIMAL.test(value.trim()) ? Number(value) : value;
  }
  return record;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Maps items through `work` with at most `limit` in flight, results in input order. After the first
 * failure no new work starts; the calls in flight are awaited, then the first error is thrown.
 */
async function runLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
