/**
 * A training job as SageMaker runs one: hyperparameters (string map), a `train` channel and an optional
 * `test` channel (a JSON Lines file or a directory of them), a model directory to write, and the final
 * metrics `train:final_loss`, `test:mean_wQuantileLoss`, `test:RMSE`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataValidationError } from '../errors';
import { evaluateTest, fitDeepAR } from '../estimator';
import { parseHyperparameters } from '../hyperparameters';
import { type DeepARRecord, parseJsonLines } from '../jsonlines';
import { saveModel } from './model-files';

export interface TrainingJobRequest {
  hyperparameters: Record<string, string>;
  trainPath: string;
  testPath?: string;
  modelDir: string;
  /** Not a SageMaker hyperparameter: the seed of every random draw (default 0). */
  seed?: number;
  /** Batches per epoch (default 50, GluonTS's num_batches_per_epoch). */
  numBatchesPerEpoch?: number;
  /** 1 (default) or 2 training threads. */
  threads?: number;
  onProgress?: (p: TrainingProgress) => void;
}

export interface TrainingProgress {
  epoch: number;
  epochs: number;
  loss: number;
  seconds: number;
}

export interface FinalMetric {
  MetricName: 'train:final_loss' | 'test:mean_wQuantileLoss' | 'test:RMSE';
  Value: number;
}

export interface TrainingJobResult {
  finalMetrics: FinalMetric[];
  epochsRun: number;
  bestEpoch: number;
  trainSeconds: number;
}

export function runTrainingJob(req: TrainingJobRequest): TrainingJobResult {
  const hp = parseHyperparameters(req.hyperparameters);
  const train = readChannel(req.trainPath, 'train');
  const test = req.testPath ? readChannel(req.testPath, 'test') : undefined;
  const t0 = performance.now();
  const { model, training } = fitDeepAR(hp, train, {
    seed: req.seed,
    numBatchesPerEpoch: req.numBatchesPerEpoch,
    threads: req.threads,
    onEpoch: (e) => req.onProgress?.({ epoch: e.epoch, epochs: hp.epochs, loss: e.loss, seconds: e.seconds }),
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  saveModel(req.modelDir, model, req.hyperparameters);
  const finalMetrics: FinalMetric[] = [{ MetricName: 'train:final_loss', Value: training.finalLoss }];
  if (test) {
    const m = evaluateTest(model, test, hp.testQuantiles, hp.numEvalSamples, req.seed ?? 0);
    finalMetrics.push({ MetricName: 'test:mean_wQuantileLoss', Value: m.meanWQuantileLoss }, { MetricName: 'test:RMSE', Value: m.rmse });
  }
  return { finalMetrics, epochsRun: training.history.length, bestEpoch: training.bestEpoch, trainSeconds };
}

/** Reads a channel: one JSON Lines file, or every file of a directory in name order. */
export function readChannel(path: string, channel: string): DeepARRecord[] {
  let files: string[];
  try {
    files = statSync(path).isDirectory()
      ? readdirSync(path).filter((f) => !f.startsWith('.')).sort().map((f) => join(path, f))
      : [path];
  } catch {
    throw new DataValidationError(`channel ${channel}: ${path} does not exist`, { source: path });
  }
  const records = files.flatMap((f) => parseJsonLines(readFileSync(f, 'utf8'), f));
  if (records.length === 0) throw new DataValidationError(`channel ${channel} holds no series`, { source: path });
  return records;
}
