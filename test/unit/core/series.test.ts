import { InsufficientDataError } from '../../../src/core/errors';
import { buildSeries, findGaps } from '../../../src/core/series';
import { T0, aRecord, range, recordsFor } from '../../builders/feature-records';

describe('Function: buildSeries', () => {
  it('orders records by minute and puts them on a regular grid with gaps as NaN', () => {
    // Prepare: minutes 3, 0, 1 (2 is missing), out of order
    const records = [aRecord(3), aRecord(0), aRecord(1)];
    // Act
    const series = buildSeries(records);
    // Assess
    expect(series.start).toBe(T0);
    expect(series.values).toEqual([1000, 1010, NaN, 1030]);
    expect(series.report).toMatchObject({ records: 3, duplicatesDropped: 0, missingMinutes: 1, validPoints: 3, invalid: [] });
  });

  it('keeps the duplicate with the latest event_time, whatever the read order', () => {
    const late = aRecord(1, { avg_fee_1min: 7, event_time: '2025-03-05T00:10:00.000Z' });
    const early = aRecord(1, { avg_fee_1min: 5, event_time: '2025-03-05T00:02:00.000Z' });
    expect(buildSeries([aRecord(0), late, early]).values).toEqual([1000, 7]);
    expect(buildSeries([aRecord(0), early, late]).values).toEqual([1000, 7]);
    expect(buildSeries([aRecord(0), early, late]).report.duplicatesDropped).toBe(1);
  });

  it('turns negative, infinite and non-numeric fees into missing points, reported with their record id', () => {
    const records = [
      aRecord(0),
      { ...aRecord(1), avg_fee_1min: -3 },
      { ...aRecord(2), avg_fee_1min: 'Infinity' },
      { ...aRecord(3), avg_fee_1min: 'abc' },
      aRecord(4),
    ];
    const series = buildSeries(records);
    expect(series.values).toEqual([1000, NaN, NaN, NaN, 1040]);
    expect(series.report.invalid).toEqual([
      { recordId: '2025-03-05T00:01:00Z', field: 'avg_fee_1min', value: -3, problem: 'is negative' },
      { recordId: '2025-03-05T00:02:00Z', field: 'avg_fee_1min', value: 'Infinity', problem: 'is infinite' },
      { recordId: '2025-03-05T00:03:00Z', field: 'avg_fee_1min', value: 'abc', problem: 'is not a number' },
    ]);
    expect(series.report.validPoints).toBe(2);
  });

  it('parses numeric strings, as Feature Store returns every value as a string', () => {
    const stored = { ...aRecord(0), avg_fee_1min: '1234.5' };
    expect(buildSeries([stored]).values).toEqual([1234.5]);
  });

  it('reports a record whose minute cannot be read and leaves it out', () => {
    const series = buildSeries([aRecord(0), { ...aRecord(1), tx_minute: '2025-03-05 00:01' }]);
    expect(series.values).toEqual([1000]);
    expect(series.report.invalid[0]).toMatchObject({ recordId: '2025-03-05 00:01', field: 'tx_minute' });
  });

  it('spans exactly the requested range, missing ends included', () => {
    const series = buildSeries(recordsFor([1, 2]), { from: new Date(T0), to: new Date(T0 + 4 * 60_000) });
    expect(series.values).toEqual([NaN, 1010, 1020, NaN]);
  });

  it('says how many valid points it found and how many it needs when too few remain', () => {
    const records = [...recordsFor(range(10)), { ...aRecord(10), avg_fee_1min: -1 }];
    const build = () => buildSeries(records, { minValidPoints: 90 });
    expect(build).toThrow(InsufficientDataError);
    expect(build).toThrow(/found 10 valid points between 2025-03-05T00:00:00Z and 2025-03-05T00:11:00Z, need 90 \(1 invalid record/);
  });

  it('calls an empty range an error, not an empty series', () => {
    expect(() => buildSeries([], { minValidPoints: 90 })).toThrow('found 0 valid points, need 90');
  });
});

describe('Function: findGaps', () => {
  it('lists runs of missing minutes', () => {
    const m = (i: number) => T0 + i * 60_000;
    expect(findGaps([m(0), m(1), m(4), m(5), m(7)])).toEqual([
      { from: m(2), to: m(4), minutes: 2 },
      { from: m(6), to: m(7), minutes: 1 },
    ]);
  });
});
