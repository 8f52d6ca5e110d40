import { buildSeries } from '../../../src/core/series';
import { SqliteFeatureStore } from '../../../local/adapters/sqlite-feature-store';
import { ScaledClock } from '../../../local/clock';
import { loadMempoolHistory, parseMempoolCsv } from '../../../local/ingestion/mempool-history';
import { IngestionReplay } from '../../../local/ingestion/replay';
import { historyMinutes, levelAt, recordForMinute, transactionsInMinute } from '../../../local/ingestion/transaction-stream';
import { aTwinHome } from '../../builders/twin-home';

const MINUTE = 60_000;
const history = loadMempoolHistory();

describe('Function: loadMempoolHistory (the shipped real data)', () => {
  it('holds the real 5-minute snapshots from 2025-03-05 to 2025-05-12', () => {
    expect(history).toHaveLength(19_799);
    expect(new Date(history[0].time).toISOString()).toBe('2025-03-05T02:12:13.000Z');
    expect(new Date(history[history.length - 1].time).toISOString()).toBe('2025-05-12T19:59:41.000Z');
    // 48,816,425 sat over 7,710 transactions in the first snapshot
    expect(history[0].avgFee).toBeCloseTo(48_816_425 / 7_710, 9);
  });

  it('names the line and the column of bad input', () => {
    expect(() => parseMempoolCsv('time_utc,mempool_total_fee\n', 'x.csv')).toThrow('x.csv: no column mempool_count');
    const csv = 'time_utc,mempool_count,mempool_total_fee\n2025-03-05T00:00:00Z,10,100\nnot-a-time,10,100\n';
    expect(() => parseMempoolCsv(csv, 'x.csv')).toThrow('x.csv line 3: time_utc "not-a-time" is not a time');
  });
});

describe('Function: transactionsInMinute', () => {
  const minute = Date.parse('2025-03-20T12:00:00Z');

  it('is reproducible: the same minute always gives the same transactions', () => {
    expect(transactionsInMinute(history, minute)).toEqual(transactionsInMinute(history, minute));
    expect(transactionsInMinute(history, minute)).not.toEqual(transactionsInMinute(history, minute + MINUTE));
  });

  it('follows the real level of the average fee over a day', () => {
    // Over a day of minutes, the synthesised fees average out to the snapshots' level.
    let ratioSum = 0;
    let n = 0;
    for (let m = minute; m < minute + 1440 * MINUTE; m += MINUTE) {
      const record = recordForMinute(history, m)!;
      ratioSum += Math.log(record.avg_fee_1min / levelAt(history, m + MINUTE / 2)!.avgFee);
      n++;
    }
    expect(Math.abs(ratioSum / n)).toBeLessThan(0.02);
  });

  it('aggregates the one-minute window as the seed system did', () => {
    const fees = transactionsInMinute(history, minute)!;
    const record = recordForMinute(history, minute)!;
    expect(record.tx_minute).toBe('2025-03-20T12:00:00Z');
    expect(record.total_nb_trx_1min).toBe(fees.length);
    expect(record.total_fee_1min).toBe(fees.reduce((a, b) => a + b, 0));
    expect(record.avg_fee_1min).toBeCloseTo(record.total_fee_1min / record.total_nb_trx_1min, 9);
    expect(record.event_time).toBe('2025-03-20T12:01:00.000Z');
  });

  it('has nothing outside the history', () => {
    expect(transactionsInMinute(history, Date.parse('2024-01-01T00:00:00Z'))).toBeUndefined();
  });
});

describe('Class: IngestionReplay', () => {
  let home: ReturnType<typeof aTwinHome>;
  let store: SqliteFeatureStore;
  beforeEach(() => {
    home = aTwinHome();
    store = new SqliteFeatureStore(home.db);
  });
  afterEach(() => home.dispose());

  it('backfills the configured days of history as a regular series with no gaps', async () => {
    const replay = new IngestionReplay(store, history);
    const start = replay.startTime(1);
    const written = await replay.backfill(start);
    expect(written).toBe(1440);
    const { first } = historyMinutes(history);
    const series = buildSeries(await store.getRecords({ from: new Date(first), to: new Date(start) }));
    expect(series.values).toHaveLength(1440);
    expect(series.report.validPoints).toBe(1440);
  });

  it('resumes after the latest stored minute: a restart neither duplicates nor loses minutes', async () => {
    const replay = new IngestionReplay(store, history);
    await replay.backfill(replay.startTime(1), undefined, 100);
    await replay.backfill(replay.startTime(1));
    expect(store.summary()).toMatchObject({ rows: 1440, minutes: 1440, missingMinutes: 0 });
    await replay.backfill(replay.startTime(2));
    expect(store.summary()).toMatchObject({ rows: 2880, minutes: 2880, missingMinutes: 0 });
  });

  it('goes on live at the clock’s pace, writing each minute once it has closed', async () => {
    const replay = new IngestionReplay(store, history);
    const start = replay.startTime(1);
    await replay.backfill(start);
    // 6000x: ten virtual minutes per real 100 ms
    const clock = new ScaledClock(start, 6000);
    const controller = new AbortController();
    const progress: number[] = [];
    const live = replay.runLive(clock, controller.signal, (p) => progress.push(p.minute));
    await new Promise((r) => setTimeout(r, 250));
    controller.abort();
    const written = await live;
    expect(written).toBeGreaterThanOrEqual(15);
    expect(written).toBeLessThanOrEqual(40);
    const summary = store.summary();
    expect(summary).toMatchObject({ rows: 1440 + written, missingMinutes: 0 });
    // Nothing from the future: every stored minute had closed on the clock.
    expect(Date.parse(summary.last!) + MINUTE).toBeLessThanOrEqual(clock.now());
  });
});
