import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataValidationError, InferenceConfigError } from '../../src/deepar/errors';
import { batchTransform, endpointPredict, parseInferenceConfig } from '../../src/deepar/inference';
import { DeepARPredictor } from '../../src/deepar/predictor';
import { loadModel, runTrainingJob } from '../../src/deepar/runtime';
import { jsonLine, seasonalSeries, tinyHyperparameters } from './mothers';

/** One tiny training job shared by the tests of this file (trained once). */
const dir = mkdtempSync(join(tmpdir(), 'deepar-inference-'));
const series = seasonalSeries(24 * 10);
writeFileSync(join(dir, 'train.json'), jsonLine(series.slice(0, -12)) + '\n');
writeFileSync(join(dir, 'test.json'), jsonLine(series) + '\n' + jsonLine(seasonalSeries(24 * 8, 9)) + '\n');
const progress: number[] = [];
const job = runTrainingJob({
  hyperparameters: tinyHyperparameters(), trainPath: join(dir, 'train.json'), testPath: join(dir, 'test.json'),
  modelDir: join(dir, 'model'), seed: 1, numBatchesPerEpoch: 3, onProgress: (p) => progress.push(p.epoch),
});
const predictor = new DeepARPredictor(loadModel(join(dir, 'model')));

describe('Function: runTrainingJob', () => {
  it("reports SageMaker's final metrics and progress per epoch", () => {
    expect(job.finalMetrics.map((m) => m.MetricName)).toEqual(['train:final_loss', 'test:mean_wQuantileLoss', 'test:RMSE']);
    job.finalMetrics.forEach((m) => expect(Number.isFinite(m.Value)).toBe(true));
    expect(progress).toEqual([1, 2]);
  });

  it('writes an artifact that reloads to the same forecasts', () => {
    const again = new DeepARPredictor(loadModel(join(dir, 'model')));
    const line = jsonLine(series);
    expect(batchTransform(again, line)).toBe(batchTransform(predictor, line));
  });
});

describe('Function: batchTransform', () => {
  it('writes one line per input line, mean and the requested quantiles keyed by their strings', () => {
    // Prepare
    const input = [jsonLine(series.slice(0, 100)), jsonLine([1, 2, NaN, 4])].join('\n') + '\n';
    const config = JSON.stringify({ num_samples: 30, output_types: ['mean', 'quantiles'], quantiles: ['0.1', '0.5', '0.9'] });
    // Act
    const lines = batchTransform(predictor, input, config).trimEnd().split('\n');
    // Assess
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const out = JSON.parse(line);
      expect(Object.keys(out)).toEqual(['mean', 'quantiles']);
      expect(Object.keys(out.quantiles)).toEqual(['0.1', '0.5', '0.9']);
      expect(out.mean).toHaveLength(12);
      for (const q of ['0.1', '0.5', '0.9']) expect(out.quantiles[q]).toHaveLength(12);
      out.quantiles['0.1'].forEach((v: number, i: number) => expect(v).toBeLessThanOrEqual(out.quantiles['0.9'][i]));
    }
  });

  it('returns samples as num_samples rows of prediction_length', () => {
    const out = JSON.parse(batchTransform(predictor, jsonLine(series), JSON.stringify({ num_samples: 7, output_types: ['samples'] })));
    expect(Object.keys(out)).toEqual(['samples']);
    expect(out.samples).toHaveLength(7);
    out.samples.forEach((row: number[]) => expect(row).toHaveLength(12));
  });

  it('rejects a bad line or configuration naming it', () => {
    expect(() => batchTransform(predictor, jsonLine(series) + '\n{"start": "2025-01-01 00:00:00"}\n')).toThrow(/line 2: missing "target"/);
    expect(() => batchTransform(predictor, jsonLine(series), '{"output_types": ["median"]}')).toThrow(InferenceConfigError);
    expect(() => parseInferenceConfig({ quantiles: [0.5] })).toThrow(/quantiles/);
    expect(() => parseInferenceConfig({ num_samples: 0 })).toThrow(/num_samples/);
  });
});

describe('Function: endpointPredict', () => {
  it('answers {"instances", "configuration"} with {"predictions"} in the same order', () => {
    // Act
    const res = endpointPredict(predictor, {
      instances: [{ start: '2025-01-01 00:00:00', target: series.slice(0, 50) }, { start: '2025-01-02', target: [3, null, 5] }],
      configuration: { num_samples: 10, output_types: ['mean', 'quantiles', 'samples'], quantiles: ['0.5', '0.9'] },
    });
    // Assess
    expect(Object.keys(res)).toEqual(['predictions']);
    expect(res.predictions).toHaveLength(2);
    for (const p of res.predictions) {
      expect(Object.keys(p)).toEqual(['mean', 'quantiles', 'samples']);
      expect(Object.keys(p.quantiles!)).toEqual(['0.5', '0.9']);
      expect(p.samples).toHaveLength(10);
    }
    expect(() => endpointPredict(predictor, { configuration: {} })).toThrow(DataValidationError);
    expect(() => endpointPredict(predictor, { instances: [{ start: '2025-01-01', target: [1] }, { start: '2025-01-01', target: ['x'] }] })).toThrow(
      /instances\[1\]: target\[0\] must be a number/,
    );
  });
});
