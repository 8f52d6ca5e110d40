/**
 * DeepAR after the paper (Salinas, Flunkert, Gasthaus) and GluonTS, with SageMaker DeepAR's interface.
 * This is not SageMaker's code: see docs/deepar.md for what is implemented and how it was measured.
 *
 * The pure model: no files, threads or WebAssembly loading (those are ./runtime, which re-exports all of
 * this and installs its accelerators). Alone it trains on one thread with the JS kernels.
 */
export { HYPERPARAMETER_DEFAULTS, LIKELIHOODS, parseHyperparameters } from './hyperparameters';
export type { DeepARHyperparameters, LikelihoodName } from './hyperparameters';
export { parseJsonLines, parseRecord, serializeJsonLines } from './jsonlines';
export type { DeepARRecord } from './jsonlines';
export { ARTIFACT_FORMAT, decodeModel, encodeModel } from './artifact';
export type { ArtifactManifest } from './artifact';
export { batchTransform, DEFAULT_INFERENCE_CONFIG, endpointPredict, parseInferenceConfig, predictInstance } from './inference';
export type { InferenceConfig, Prediction } from './inference';
export { DeepARPredictor } from './predictor';
export type { TrainedModel } from './predictor';
export { evaluateTest, fitDeepAR } from './estimator';
export type { FitOptions } from './estimator';
export type { EpochReport, TrainingResult } from './training';
export { backtest } from './backtest';
export type { BacktestOptions, BacktestResult } from './backtest';
export { naiveForecast, seasonalNaiveForecast } from './baselines';
export { regularize } from './grid';
export { readTimeSeries } from './csv';
export { formatTimestamp, parseFrequency } from './frequency';
export type { Frequency } from './frequency';
export { kernelBackend, setKernelBackend, wasmAvailable } from './kernels';
export type { KernelBackend } from './kernels';
export { Rng } from './rng';
export {
  DataValidationError, HyperparameterValidationError, InferenceConfigError, ModelArtifactError, TrainingJobError,
} from './errors';
