/** The threshold's update rule, kept from the original system, now fed the many-window loss. */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { buildReport, type DeepArForecast } from '../../../src/core/evaluation';
import { nextThreshold } from '../../../src/core/run-config';

const flat = (values: number[]): DeepArForecast => ({
  mean: values,
  quantiles: Object.fromEntries(['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9'].map((tau) => [tau, values])),
});

describe('Function: nextThreshold', () => {
  it('moves an approved better loss toward it: new = loss + |loss − threshold| × update_rate', () => {
    // 0.2 + |0.2 − 0.3| × 0.5 = 0.25
    expect(nextThreshold(0.2, 0.3, 0.5)).toBeCloseTo(0.25, 12);
  });

  it('leaves the threshold as it is when the loss does not beat it', () => {
    expect(nextThreshold(0.35, 0.3, 0.5)).toBe(0.3);
    expect(nextThreshold(0.3, 0.3, 0.5)).toBe(0.3);
  });

  it('moves toward the mean over the windows, not toward one lucky window', () => {
    // Prepare: four windows of [10, 30]; the candidate is exact on the most recent one (loss 0) and forecasts
    // a flat 20 on the others (each τ: ((1−τ)·10 + τ·10)·2/40 = 0.5). Many-window loss (0.5·3 + 0)/4 = 0.375.
    const windows = ['a', 'b', 'c', 'd'].map((start) => ({ start, values: [10, 30] }));
    const candidate = [flat([20, 20]), flat([20, 20]), flat([20, 20]), flat([10, 30])];
    const report = buildReport({ jobName: 'j', windows, candidate, seasonalNaive: candidate, threshold: 0.5, minImprovement: 0.01 });

    // Act
    const moved = nextThreshold(report.candidate.meanWQuantileLoss, 0.5, 0.5);

    // Assess: 0.375 + 0.125 × 0.5 = 0.4375, where the one lucky window (the old single hold-out) would have
    // pulled it to 0 + 0.5 × 0.5 = 0.25.
    expect(report.candidate.meanWQuantileLoss).toBeCloseTo(0.375, 12);
    expect(report.windows.map((w) => w.candidate)).toEqual([expect.closeTo(0.5, 12), expect.closeTo(0.5, 12), expect.closeTo(0.5, 12), 0]);
    expect(moved).toBeCloseTo(0.4375, 12);
  });

  it('is fed the many-window mean: the deployment passes the training evaluation’s meanWQuantileLoss to UpdateThreshold', () => {
    const deployment = YAML.parse(readFileSync('statemachines/deployment.asl.yml', 'utf8')) as { States: Record<string, any> };
    const training = YAML.parse(readFileSync('statemachines/training.asl.yml', 'utf8')) as { States: Record<string, any> };
    const update = Object.values(deployment.States).find((s) => JSON.stringify(s.Resource ?? '').includes('updateThreshold'));
    expect(update.Parameters['loss.$']).toBe('$.evaluation.meanWQuantileLoss');
    expect(training.States.StartDeployment.Parameters.Input['evaluation.$']).toBe('$.evaluation');
  });
});
