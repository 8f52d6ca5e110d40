/**
 * DeepAR after the paper (Salinas, Flunkert, Gasthaus) and GluonTS, with SageMaker DeepAR's interface.
 * This is not SageMaker's code: see docs/deepar.md for what is implemented and how it was measured.
 */
export { HYPERPARAMETER_DEFAULTS, LIKELIHOODS, parseHyperparameters } from './hyperparameters';
export type { DeepARHyperparameters, LikelihoodName } from './hyperparameters';
export { parseJsonLines, parseRecord, serializeJsonLines } from './jsonlines';
export type { DeepARRecord } from './jsonlines';
export { runTrainingJob, readChannel } from './train-job';
export type { FinalMetric, TrainingJobRequest, TrainingJobResult, TrainingProgress } from './train-job';
export { runInWorker } from './run-in-worker';
export { decodeModel, encodeModel, loadModel, saveModel } from './artifact';
export { batchTransform, DEFAULT_INFERENCE_CONFIG, endpointPredict, parseInferenceConfig, predictInstance } from './inference';
export type { InferenceConfig, Prediction } from './inference';
export { DeepARPredictor } from './predictor';
export type { TrainedModel } from './predictor';
export { evaluateTest, fitDeepAR } from './estimator';
export { backtest } from './backtest';
export type { BacktestOptions, BacktestResult } from './backtest';
export { naiveForecast, seasonalNaiveForecast } from './baselines';
export { regularize } from './grid';
export { readTimeSeries } from './csv';
export { parseFrequency } from './frequency';
export {
  DataValidationError, HyperparameterValidationError, InferenceConfigError, ModelArtifactError, TrainingJobError,
} from './errors';

/** Loads a model directory and returns a predictor for batch transform and endpoint use. */
import { loadModel as load } from './artifact';
import { DeepARPredictor as Predictor } from './predictor';
export function loadPredictor(modelDir: string): Predictor {
  return new Predictor(load(modelDir));
}
