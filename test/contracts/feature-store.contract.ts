/**
 * The FeatureStore port's contract: a validated batch in, the records of a half-open range of minutes
 * out. Reads promise no order, and the local store may return several versions of a minute (the core
 * keeps the latest event_time), so the assertions sort and resolve as the core does.
 */
import type { FeatureRecord, StoredFeatureRecord } from '../../src/core/feature-record';
import { ValidationError } from '../../src/core/errors';
import type { FeatureStore } from '../../src/ports/feature-store';
import { T0, aRecord, range, recordsFor } from '../builders/feature-records';
import { useSubject, type MakeSubject } from './subject';

const at = (minutes: number, seconds = 0) => new Date(T0 + minutes * 60_000 + seconds * 1000);
const minuteOf = (i: number) => aRecord(i).tx_minute;

/** The latest version of each minute, by event_time, in minute order: what the core reads. */
function latestPerMinute(records: StoredFeatureRecord[]): StoredFeatureRecord[] {
  const latest = new Map<string, StoredFeatureRecord>();
  for (const r of records) {
    const kept = latest.get(String(r.tx_minute));
    if (!kept || Date.parse(String(kept.event_time)) <= Date.parse(String(r.event_time))) latest.set(String(r.tx_minute), r);
  }
  return [...latest.values()].sort((a, b) => String(a.tx_minute).localeCompare(String(b.tx_minute)));
}

export function describeFeatureStoreContract(name: string, makeSubject: MakeSubject<{ store: FeatureStore }>): void {
  describe(`Contract: FeatureStore — ${name}`, () => {
    const subject = useSubject(makeSubject);

    describe('put then get', () => {
      it('returns the records of the minutes in [from, to), as put, across read batches', async () => {
        const { store } = subject();
        await store.putRecords(recordsFor(range(150)));

        const read = latestPerMinute(await store.getRecords({ from: at(10), to: at(140) }));

        expect(read).toEqual(recordsFor(range(130, 10)));
      });

      it('leaves out minutes never written (a gap stays a gap)', async () => {
        const { store } = subject();
        await store.putRecords(recordsFor([0, 1, 3, 4]));

        expect(latestPerMinute(await store.getRecords({ from: at(0), to: at(5) })).map((r) => r.tx_minute)).toEqual([0, 1, 3, 4].map(minuteOf));
      });

      it('rounds a bound inside a minute up to the next minute start', async () => {
        const { store } = subject();
        await store.putRecords(recordsFor(range(8)));

        const read = await store.getRecords({ from: at(2, 30), to: at(5, 30) });

        expect(latestPerMinute(read).map((r) => r.tx_minute)).toEqual([3, 4, 5].map(minuteOf));
      });

      it('returns nothing for an empty range', async () => {
        const { store } = subject();
        await store.putRecords(recordsFor(range(3)));

        expect(await store.getRecords({ from: at(1), to: at(1) })).toEqual([]);
      });

      it('reads a minute written as 00.000Z back as the same minute', async () => {
        const { store } = subject();
        await store.putRecords([aRecord(2, { tx_minute: minuteOf(2).replace(':00Z', ':00.000Z') })]);

        expect(latestPerMinute(await store.getRecords({ from: at(0), to: at(5) }))).toEqual([aRecord(2)]);
      });
    });

    describe('versions of a minute', () => {
      it('gives the latest event_time of a minute written twice', async () => {
        const { store } = subject();
        const corrected: FeatureRecord = aRecord(1, { avg_fee_1min: 9, total_fee_1min: 9 * 101, event_time: at(3).toISOString() });
        await store.putRecords([aRecord(0), aRecord(1)]);
        await store.putRecords([corrected]);

        expect(latestPerMinute(await store.getRecords({ from: at(0), to: at(2) }))).toEqual([aRecord(0), corrected]);
      });

      it('takes the same batch sent twice as sent once', async () => {
        const { store } = subject();
        await store.putRecords(recordsFor(range(3)));
        await store.putRecords(recordsFor(range(3)));

        expect(latestPerMinute(await store.getRecords({ from: at(0), to: at(3) }))).toEqual(recordsFor(range(3)));
      });
    });

    describe('validation', () => {
      it('rejects a batch with a bad record before writing any of it', async () => {
        const { store } = subject();
        const batch = [aRecord(0), aRecord(1, { avg_fee_1min: -1 }), aRecord(2)];

        await expect(store.putRecords(batch)).rejects.toBeInstanceOf(ValidationError);
        await expect(store.putRecords(batch)).rejects.toMatchObject({ name: 'ValidationError', details: { field: 'avg_fee_1min', line: 1 } });
        expect(await store.getRecords({ from: at(0), to: at(3) })).toEqual([]);
      });

      it("rejects an event_time Feature Store does not accept (an offset), naming the record, before writing any", async () => {
        const { store } = subject();
        const batch = [aRecord(0), aRecord(1, { event_time: '2025-03-05T00:02:00+00:00' }), aRecord(2)];

        await expect(store.putRecords(batch)).rejects.toMatchObject({ name: 'ValidationError', details: { field: 'event_time', line: 1 } });
        expect(await store.getRecords({ from: at(0), to: at(3) })).toEqual([]);
      });
    });
  });
}
