/**
 * Two-thread training shares each mini-batch's chunks between the training loop and a helper thread,
 * whichever is free: the model must not depend on who computed what, and a helper that never gets a
 * core must not stall training.
 */
import { allocateBatch } from '../../src/deepar/batch-gradient';
import { chunkRowsOf, type GradientHelper, installGradientHelper } from '../../src/deepar/gradient-helper';
import { fitDeepAR, parseHyperparameters } from '../../src/deepar/runtime';
import { installAccelerators } from '../../src/deepar/runtime/accelerators';
import { MAX_BATCH_NUMBER, nextBatchNumber } from '../../src/deepar/training';
import { seasonalSeries, START, START_MS, tinyHyperparameters } from './mothers';

const train = [{ start: START, startMs: START_MS, target: seasonalSeries(24 * 20) }];

/** A helper that never runs (its thread never scheduled): the training loop is left every chunk. */
function starvedHelper(): { claimedByLoop: number[] } {
  const log = { claimedByLoop: [] as number[] };
  installGradientHelper((spec, _likelihood, params, T, chunkRows) => {
    let next = 0;
    const helper: GradientHelper = {
      chunks: chunkRows.map((rows) => allocateBatch(T, rows, spec.inputSize, spec.numOutputs, spec.cardinalities.length, false)),
      chunkGrads: chunkRows.map(() => new Float64Array(params.length)),
      chunkLoss: new Float64Array(chunkRows.length),
      start: () => void (next = 0),
      claim: () => (next < chunkRows.length ? (log.claimedByLoop.push(next), next++) : -1),
      done: () => undefined,
      finish: () => undefined,
      close: () => undefined,
    };
    return helper;
  });
  return log;
}

describe('Two-thread training', () => {
  afterEach(() => installAccelerators());

  it('cuts a mini-batch into at most 4 even chunks', () => {
    expect(chunkRowsOf(32)).toEqual([8, 8, 8, 8]);
    expect(chunkRowsOf(8)).toEqual([2, 2, 2, 2]);
    expect(chunkRowsOf(5)).toEqual([2, 2, 1]);
    expect(chunkRowsOf(2)).toEqual([1, 1]);
  });

  it('gives the same model whether the helper thread computes its share or never runs', () => {
    // Prepare
    const hp = parseHyperparameters(tinyHyperparameters({ epochs: '2', num_layers: '2', dropout_rate: '0.2' }));
    // Act
    const shared = fitDeepAR(hp, train, { seed: 5, numBatchesPerEpoch: 6, threads: 2 });
    const log = starvedHelper();
    const alone = fitDeepAR(hp, train, { seed: 5, numBatchesPerEpoch: 6, threads: 2 });
    // Assess: the loop computed every chunk itself, and the result is the same model
    expect(log.claimedByLoop).toHaveLength(2 * 6 * 4);
    expect(Array.from(alone.model.network.params)).toEqual(Array.from(shared.model.network.params));
    expect(alone.training.finalLoss).toBe(shared.training.finalLoss);
  }, 30000);
});

describe('Function: nextBatchNumber', () => {
  it('wraps before the helper thread refuses the number, so a training of a million batches on 2 threads does not fail', () => {
    // Prepare: the last number the helper takes
    const last = MAX_BATCH_NUMBER;

    // Act
    const after = nextBatchNumber(last);

    // Assess: 1 … MAX_BATCH_NUMBER, every one below the helper's 2^20 limit
    expect(nextBatchNumber(0)).toBe(1);
    expect(nextBatchNumber(last - 1)).toBe(last);
    expect(after).toBe(1);
    expect(last).toBeLessThan(1 << 20);
  });
});
