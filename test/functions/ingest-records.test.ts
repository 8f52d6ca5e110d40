import { SqliteFeatureStore } from '../../local/adapters/sqlite-feature-store';
import { createHandler } from '../../functions/ingest-records';
import { aRecord, range, recordsFor } from '../builders/feature-records';
import { aTwinHome } from '../builders/twin-home';
import { aSilentLogger } from './logs';

describe('Function: ingest-records handler', () => {
  let home: ReturnType<typeof aTwinHome>;
  let store: SqliteFeatureStore;
  let handler: ReturnType<typeof createHandler>;
  beforeEach(() => {
    home = aTwinHome();
    store = new SqliteFeatureStore(home.db);
    handler = createHandler({ featureStore: () => store, logger: aSilentLogger() });
  });
  afterEach(() => home.dispose());

  it('writes a batch through the same handler the Lambda runs, wired to the local store', async () => {
    const result = await handler({ records: recordsFor(range(3)) }, {} as never);
    expect(result).toEqual({ written: 3 });
    expect(store.summary().rows).toBe(3);
  });

  it('rejects an event without records, saying where', async () => {
    await expect(handler({ rows: [] }, {} as never)).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'invalid event: records: Invalid input: expected array, received undefined',
    });
  });

  it('rejects the whole batch when one record is bad', async () => {
    await expect(handler({ records: [aRecord(0), { ...aRecord(1), avg_fee_1min: 'x' }] }, {} as never)).rejects.toThrow(
      'record 1 (tx_minute 2025-03-05T00:01:00Z): avg_fee_1min is "x", not a finite number',
    );
    expect(store.summary().rows).toBe(0);
  });
});
