/**
 * The estimator: resolves the hyperparameters against the data (cardinality, dynamic features),
 * builds the model configuration, prepares the series and trains; and the test-channel evaluation
 * SageMaker reports (the last prediction_length points of each test series, conditioned on the rest).
 */
import { InsufficientDataError } from '../core/errors';
import { meanWeightedQuantileLoss, rmse } from '../core/metrics';
import { DataValidationError } from './errors';
import { lagsForFrequency, timeFeaturesForFrequency } from './features';
import type { DeepARHyperparameters } from './hyperparameters';
import type { DeepARRecord } from './jsonlines';
import { LIKELIHOOD_BY_NAME } from './likelihoods';
import { type ModelConfig, prepareSeries } from './model';
import { DeepARPredictor, type TrainedModel } from './predictor';
import { Rng } from './rng';
import { type EpochReport, trainNetwork, type TrainingResult } from './training';

export interface FitOptions {
  seed?: number;
  numBatchesPerEpoch?: number;
  /** 1 or 2 training threads (see TrainingOptions.threads). */
  threads?: number;
  onEpoch?: (e: EpochReport) => void;
}

export function resolveConfig(hp: DeepARHyperparameters, train: readonly DeepARRecord[]): ModelConfig {
  if (train.length === 0) throw new InsufficientDataError('the train channel holds no series');
  let cardinalities: number[] = [];
  if (Array.isArray(hp.cardinality)) {
    cardinalities = hp.cardinality;
    train.forEach((r, i) => {
      if (!r.cat || r.cat.length !== cardinalities.length) {
        throw new DataValidationError(`cardinality has ${cardinalities.length} entries but "cat" has ${r.cat?.length ?? 0}`, { line: i + 1, field: 'cat' });
      }
      r.cat.forEach((c, k) => {
        if (c >= cardinalities[k]) throw new DataValidationError(`cat[${k}] = ${c} is not below cardinality ${cardinalities[k]}`, { line: i + 1, field: 'cat' });
      });
    });
  } else if (hp.cardinality === 'auto' && train.some((r) => r.cat !== undefined)) {
    const n = train[0].cat?.length ?? 0;
    train.forEach((r, i) => {
      if ((r.cat?.length ?? 0) !== n) throw new DataValidationError(`every series needs ${n} "cat" values`, { line: i + 1, field: 'cat' });
    });
    cardinalities = Array.from({ length: n }, (_, k) => 1 + Math.max(...train.map((r) => r.cat![k])));
  }
  let numDynamicFeat = 0;
  if (hp.numDynamicFeat !== 'ignore') {
    const found = train[0].dynamicFeat?.length ?? 0;
    numDynamicFeat = hp.numDynamicFeat === 'auto' ? found : hp.numDynamicFeat;
    train.forEach((r, i) => {
      const n = r.dynamicFeat?.length ?? 0;
      if (n !== numDynamicFeat) throw new DataValidationError(`expected ${numDynamicFeat} dynamic_feat series, got ${n}`, { line: i + 1, field: 'dynamic_feat' });
      r.dynamicFeat?.forEach((f, k) => {
        if (f.length !== r.target.length) {
          throw new DataValidationError(`dynamic_feat[${k}] has ${f.length} values but target has ${r.target.length}`, { line: i + 1, field: 'dynamic_feat' });
        }
      });
    });
  }
  return {
    timeFreq: hp.timeFreq.text,
    contextLength: hp.contextLength,
    predictionLength: hp.predictionLength,
    lags: lagsForFrequency(hp.timeFreq),
    timeFeatures: timeFeaturesForFrequency(hp.timeFreq),
    likelihood: hp.likelihood,
    numDynamicFeat,
    cardinalities,
    embeddingDimension: hp.embeddingDimension,
    numCells: hp.numCells,
    numLayers: hp.numLayers,
    dropoutRate: hp.dropoutRate,
  };
}

export function fitDeepAR(
  hp: DeepARHyperparameters, train: readonly DeepARRecord[], opts: FitOptions = {},
): { model: TrainedModel; training: TrainingResult } {
  const config = resolveConfig(hp, train);
  const series = train.map((r) => prepareSeries(config, { startMs: r.startMs, target: r.target, cat: r.cat, dynamicFeat: r.dynamicFeat }, 0));
  const training = trainNetwork(config, LIKELIHOOD_BY_NAME[config.likelihood], series, {
    epochs: hp.epochs,
    miniBatchSize: hp.miniBatchSize,
    learningRate: hp.learningRate,
    earlyStoppingPatience: hp.earlyStoppingPatience,
    seed: opts.seed ?? 0,
    numBatchesPerEpoch: opts.numBatchesPerEpoch,
    threads: opts.threads,
    onEpoch: opts.onEpoch,
  });
  return { model: { config, network: training.network }, training };
}

/** SageMaker's test metrics: forecast the last prediction_length points of each test series. */
export function evaluateTest(
  model: TrainedModel, test: readonly DeepARRecord[], quantiles: readonly number[], numSamples: number, seed = 0,
): { meanWQuantileLoss: number; rmse: number; wQuantileLoss: Record<string, number> } {
  const predictor = new DeepARPredictor(model);
  const P = model.config.predictionLength;
  const rng = new Rng(seed);
  const windows = test.map((r, i) => {
    if (r.target.length <= P) throw new InsufficientDataError(`test series ${i + 1} has ${r.target.length} points; more than prediction_length (${P}) are needed`, r.target.length, P + 1);
    const cut = r.target.length - P;
    const samples = predictor.sample(
      { startMs: r.startMs, target: r.target.slice(0, cut), cat: r.cat, dynamicFeat: r.dynamicFeat },
      numSamples, rng,
    );
    const { mean, quantiles: q } = predictor.summarize(samples, numSamples, quantiles);
    return { actual: r.target.slice(cut), quantiles: q, point: mean };
  });
  const w = meanWeightedQuantileLoss(windows, quantiles);
  return { meanWQuantileLoss: w.mean, rmse: rmse(windows), wQuantileLoss: w.byQuantile };
}
