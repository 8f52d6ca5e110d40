/**
 * Worker-thread entry: runs one training job off the main event loop and posts
 * {type: 'progress'} per epoch, then {type: 'done'} or {type: 'error'} (the error's name survives).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { installAccelerators } from './accelerators';
import { runTrainingJob, type TrainingJobRequest } from './train-job';

const port = parentPort;
if (port) {
  installAccelerators();
  const req = workerData as Omit<TrainingJobRequest, 'onProgress'>;
  try {
    const result = runTrainingJob({ ...req, onProgress: (p) => port.postMessage({ type: 'progress', progress: p }) });
    port.postMessage({ type: 'done', result });
  } catch (e) {
    const err = e as Error & Record<string, unknown>;
    port.postMessage({ type: 'error', error: { name: err.name, message: err.message, parameter: err.parameter, details: err.details } });
  }
}
