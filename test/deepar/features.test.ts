import { covariates, lagsForFrequency, timeFeaturesForFrequency } from '../../src/deepar/features';
import { parseFrequency } from '../../src/deepar/frequency';

describe('Function: lagsForFrequency', () => {
  it("gives GluonTS's lags for 5min", () => {
    expect(lagsForFrequency(parseFrequency('5min'))).toEqual([
      1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 22, 23, 24, 25, 26, 34, 35, 36, 37, 38, 287, 288, 289, 575, 576, 577, 863, 864, 865, 1151, 1152, 1153,
    ]);
  });

  it('gives about 1, 2 and 3 hours for 1min and about a day and a week for hourly data', () => {
    const m1 = lagsForFrequency(parseFrequency('1min'));
    expect(m1).toEqual([1, 2, 3, 4, 5, 6, 7, 58, 59, 60, 61, 62, 118, 119, 120, 121, 122, 178, 179, 180, 181, 182]);
    const h = lagsForFrequency(parseFrequency('H'));
    expect(h).toEqual(expect.arrayContaining([23, 24, 25, 167, 168, 169, 335, 336, 337, 719, 720, 721]));
    expect(Math.max(...h)).toBeLessThanOrEqual(1200);
    expect(lagsForFrequency(parseFrequency('D'))).toEqual(expect.arrayContaining([13, 14, 15, 29, 30, 31, 363, 364, 365]));
    expect(lagsForFrequency(parseFrequency('M'))).toEqual([1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 23, 24, 25, 35, 36, 37]);
  });
});

describe('Function: covariates', () => {
  it('computes time features scaled to [-0.5, 0.5] and the age feature', () => {
    // Prepare: Wednesday 2025-03-05 23:59 UTC
    const f = parseFrequency('1min');
    const names = timeFeaturesForFrequency(f);
    // Act
    const c = covariates(Date.UTC(2025, 2, 5, 23, 59), f, names, 0, 2, [[7, 8]]);
    // Assess: minute 59, hour 23, Wednesday (2), day 5 of month, day 64 of year; then age; then the dynamic feature
    expect(names).toEqual(['minute_of_hour', 'hour_of_day', 'day_of_week', 'day_of_month', 'day_of_year']);
    const row0 = Array.from(c.subarray(0, 7));
    [0.5, 0.5, 2 / 6 - 0.5, 4 / 30 - 0.5, 63 / 365 - 0.5, Math.log10(2), 7].forEach((v, i) => expect(row0[i]).toBeCloseTo(v, 12));
    const row1 = Array.from(c.subarray(7, 14)); // Thursday 00:00
    [-0.5, -0.5, 3 / 6 - 0.5, 5 / 30 - 0.5, 64 / 365 - 0.5, Math.log10(3), 8].forEach((v, i) => expect(row1[i]).toBeCloseTo(v, 12));
  });
});
