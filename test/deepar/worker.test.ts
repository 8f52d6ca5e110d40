import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, runInWorker } from '../../src/deepar/runtime';
import { jsonLine, seasonalSeries, tinyHyperparameters } from './mothers';

describe('Function: runInWorker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepar-worker-'));
  writeFileSync(join(dir, 'train.json'), jsonLine(seasonalSeries(24 * 6)) + '\n');

  it('trains off the main event loop, reporting progress per epoch', async () => {
    // Prepare
    const epochs: number[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    // Act
    const result = await runInWorker({
      hyperparameters: tinyHyperparameters({ epochs: '3' }), trainPath: join(dir, 'train.json'), modelDir: join(dir, 'model'),
      numBatchesPerEpoch: 20, onProgress: (p) => epochs.push(p.epoch),
    });
    clearInterval(timer);
    // Assess
    expect(epochs).toEqual([1, 2, 3]);
    expect(result.finalMetrics[0].MetricName).toBe('train:final_loss');
    expect(loadModel(join(dir, 'model')).config.predictionLength).toBe(12);
    expect(ticks).toBeGreaterThan(0);
  });

  it("rejects with the job's named error", async () => {
    await expect(
      runInWorker({ hyperparameters: tinyHyperparameters({ likelihood: 'poisson' }), trainPath: join(dir, 'train.json'), modelDir: join(dir, 'bad') }),
    ).rejects.toMatchObject({ name: 'HyperparameterValidationError', message: expect.stringContaining('likelihood') });
  });
});
