/**
 * The DeepAR model with its runtime: everything the pure model (../index.ts) exports, plus model
 * directories on disk, training jobs over JSON Lines channels, training in a worker thread, and the
 * accelerators. Loading this module installs the WebAssembly kernels (unless DEEPAR_KERNELS=js) and
 * the helper thread of two-thread training into this thread's model, as a native backend package
 * registers itself when imported; worker threads install their own.
 */
import { installAccelerators } from './accelerators';

installAccelerators();

export * from '../index';
export { loadModel, loadPredictor, saveModel } from './model-files';
export { readChannel, runTrainingJob } from './train-job';
export type { FinalMetric, TrainingJobRequest, TrainingJobResult, TrainingProgress } from './train-job';
export { runInWorker, transformInWorker, WorkerTransformError } from './run-in-worker';
export type { TransformRequest } from './run-in-worker';
