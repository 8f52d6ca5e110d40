import { lagsForFrequency, timeFeaturesForFrequency } from '../../src/deepar/features';
import { parseFrequency } from '../../src/deepar/frequency';
import { covariateWidth, type ModelConfig, pastLength, prepareSeries } from '../../src/deepar/model';
import { seasonalSeries, START_MS } from './mothers';

const f = parseFrequency('H');
const config: ModelConfig = {
  timeFreq: 'H', contextLength: 24, predictionLength: 12, lags: lagsForFrequency(f), timeFeatures: timeFeaturesForFrequency(f),
  likelihood: 'student-T', numDynamicFeat: 1, cardinalities: [], embeddingDimension: 10, numCells: 8, numLayers: 1, dropoutRate: 0,
};

describe('Function: prepareSeries', () => {
  it('prepares only the tail for prediction with the same values, observations, time, age and dynamic features', () => {
    // Prepare: a long series with missing values, one just before the tail
    const target = seasonalSeries(2000);
    target[1300] = NaN;
    target[2000 - pastLength(config)] = NaN;
    const s = { startMs: START_MS, target, dynamicFeat: [Array.from({ length: 2012 }, (_, i) => i % 7)] };
    // Act
    const full = prepareSeries(config, s, 12);
    const tail = prepareSeries(config, s, 12, pastLength(config));
    // Assess: the positions a forecast reads, from j − pastLength to j + P − 1
    const w = covariateWidth(config);
    const keep = pastLength(config) + 12;
    const offFull = full.values.length - keep;
    const offTail = tail.values.length - keep;
    for (let i = 0; i < keep; i++) {
      expect(tail.values[offTail + i]).toBe(full.values[offFull + i]);
      expect(tail.observed[offTail + i]).toBe(full.observed[offFull + i]);
      for (let k = 0; k < w; k++) expect(tail.cov[(offTail + i) * w + k]).toBeCloseTo(full.cov[(offFull + i) * w + k], 12);
    }
    expect(tail.length).toBe(pastLength(config));
  });

  it('computes only the covariates a forecast reads (context and horizon) when asked, identical to the full ones', () => {
    // Prepare
    const target = seasonalSeries(2000);
    const s = { startMs: START_MS, target, dynamicFeat: [Array.from({ length: 2012 }, (_, i) => i % 7)] };
    const rows = config.contextLength + 12 - 1;
    // Act
    const tail = prepareSeries(config, s, 12, pastLength(config));
    const read = prepareSeries(config, s, 12, pastLength(config), rows);
    // Assess: the last `rows` positions are the same, the ones before are not computed
    const w = covariateWidth(config);
    const total = tail.values.length;
    for (let i = total - rows; i < total; i++) {
      for (let k = 0; k < w; k++) expect(read.cov[i * w + k]).toBe(tail.cov[i * w + k]);
    }
    expect(Array.from(read.cov.subarray(0, (total - rows) * w)).every((v) => v === 0)).toBe(true);
    expect(Array.from(read.values)).toEqual(Array.from(tail.values));
  });
});
