/**
 * Worker-thread entry: one batch transform (DeepAR's JSON Lines in, one line out per line in) off the main event
 * loop, with the same model files, kernels and seed as in the caller's thread, so the output is the same. Posts
 * {type: 'done', result} or {type: 'error', stage, error} (the error's name and message survive; `stage` says
 * whether the model could not be loaded or an input line was refused).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { batchTransform } from '../inference';
import { installAccelerators } from './accelerators';
import { loadPredictor } from './model-files';
import type { TransformRequest } from './run-in-worker';

const port = parentPort;
if (port) {
  installAccelerators();
  const req = workerData as TransformRequest;
  let stage: 'load' | 'transform' = 'load';
  try {
    const predictor = loadPredictor(req.modelDir);
    stage = 'transform';
    port.postMessage({ type: 'done', result: batchTransform(predictor, req.input, req.inferenceConfig, req.seed) });
  } catch (e) {
    const err = e as Error;
    port.postMessage({ type: 'error', stage, error: { name: err.name, message: err.message } });
  }
}
