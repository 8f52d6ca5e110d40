import { ValidationError } from '../../../src/core/errors';
import { buildSeries } from '../../../src/core/series';
import { SqliteFeatureStore } from '../../../local/adapters/sqlite-feature-store';
import { openHome } from '../../../local/home';
import { T0, aRecord, range, recordsFor } from '../../builders/feature-records';
import { aTwinHome } from '../../builders/twin-home';

describe('Class: SqliteFeatureStore', () => {
  let home: ReturnType<typeof aTwinHome>;
  let store: SqliteFeatureStore;
  beforeEach(() => {
    home = aTwinHome();
    store = new SqliteFeatureStore(home.db);
  });
  afterEach(() => home.dispose());

  it('reads back the records of a half-open range of minutes', async () => {
    await store.putRecords(recordsFor(range(10)));
    const records = await store.getRecords({ from: new Date(T0 + 2 * 60_000), to: new Date(T0 + 5 * 60_000) });
    expect(records.map((r) => r.tx_minute)).toEqual(['2025-03-05T00:02:00Z', '2025-03-05T00:03:00Z', '2025-03-05T00:04:00Z']);
    expect(records[0]).toEqual(aRecord(2));
  });

  it('keeps every version of a minute, and the core keeps the latest event_time', async () => {
    await store.putRecords([aRecord(0), aRecord(1, { avg_fee_1min: 5, event_time: '2025-03-05T00:02:00.000Z' })]);
    await store.putRecords([aRecord(1, { avg_fee_1min: 9, event_time: '2025-03-05T00:03:00.000Z' })]);
    const records = await store.getRecords({ from: new Date(T0), to: new Date(T0 + 10 * 60_000) });
    expect(records).toHaveLength(3);
    expect(buildSeries(records).values).toEqual([1000, 9]);
  });

  it('rejects a batch with a malformed record whole, naming the record and field, and loses nothing stored', async () => {
    await store.putRecords(recordsFor(range(3)));
    const batch = [aRecord(3), { ...aRecord(4), avg_fee_1min: -1 }, aRecord(5)];
    await expect(store.putRecords(batch)).rejects.toThrow(ValidationError);
    await expect(store.putRecords(batch)).rejects.toThrow('record 1 (tx_minute 2025-03-05T00:04:00Z): avg_fee_1min is -1, a negative fee');
    expect(store.summary()).toMatchObject({ rows: 3, minutes: 3, last: '2025-03-05T00:02:00Z' });
  });

  it('rolls back a batch that fails half-way through the write', async () => {
    // Prepare: the 8th insert of the batch fails, as a full disk would make it
    const prepare = home.db.prepare.bind(home.db);
    jest.spyOn(home.db, 'prepare').mockImplementation((sql: string) => {
      const statement = prepare(sql);
      if (!sql.trimStart().startsWith('INSERT')) return statement;
      let calls = 0;
      const run = statement.run.bind(statement);
      return Object.assign(Object.create(statement), {
        run: (...args: unknown[]) => {
          if (++calls === 8) throw new Error('disk full');
          return run(...args);
        },
      });
    });
    // Act / Assess
    await expect(store.putRecords(recordsFor(range(10)))).rejects.toThrow('disk full');
    jest.restoreAllMocks();
    expect(store.summary().rows).toBe(0);
  });

  it('summarises range, row count and gaps', async () => {
    await store.putRecords(recordsFor([0, 1, 2, 5, 6, 9]));
    await store.putRecords([aRecord(9)]);
    expect(store.summary()).toEqual({
      featureGroup: 'btc-tx-fees-1min',
      rows: 7,
      minutes: 6,
      first: '2025-03-05T00:00:00Z',
      last: '2025-03-05T00:09:00Z',
      gaps: [
        { from: '2025-03-05T00:03:00Z', to: '2025-03-05T00:05:00Z', minutes: 2 },
        { from: '2025-03-05T00:07:00Z', to: '2025-03-05T00:09:00Z', minutes: 2 },
      ],
      missingMinutes: 4,
    });
    expect(store.latestMinute()).toEqual(new Date(T0 + 9 * 60_000));
  });

  it('persists across reopening the data dir', async () => {
    await store.putRecords(recordsFor(range(5)));
    home.close();
    const reopened = openHome(home.dir);
    expect(new SqliteFeatureStore(reopened.db).summary().rows).toBe(5);
    reopened.close();
  });
});
