/**
 * Runs a training job, or a batch transform, in a worker thread so the caller's event loop stays free.
 * TypeScript runs in the worker through tsx's loader (no build step), under jest and from the CLI alike.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { TrainingJobError } from '../errors';
import type { TrainingJobRequest, TrainingJobResult } from './train-job';

export function runInWorker(req: TrainingJobRequest): Promise<TrainingJobResult> {
  const { onProgress, ...data } = req;
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'worker.ts'), { workerData: data, execArgv: ['--require', 'tsx/cjs'] });
    let settled = false;
    worker.on('message', (m: { type: string; progress?: never; result?: TrainingJobResult; error?: { name: string; message: string } }) => {
      if (m.type === 'progress') onProgress?.(m.progress!);
      else if (m.type === 'done') {
        settled = true;
        resolve(m.result!);
      } else if (m.type === 'error') {
        settled = true;
        const { name, message, ...details } = m.error!;
        reject(new TrainingJobError(name, message, details));
      }
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new TrainingJobError('TrainingJobError', `the training worker exited with code ${code}`));
    });
  });
}

/** One batch transform: the unpacked model's directory, DeepAR's JSON Lines, DEEPAR_INFERENCE_CONFIG, the seed. */
export interface TransformRequest {
  modelDir: string;
  input: string;
  inferenceConfig?: string;
  seed: number;
}

/** A transform that failed in its worker: the original error's name and message, and whether the model did not load. */
export class WorkerTransformError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly stage: 'load' | 'transform',
  ) {
    super(message);
  }
}

/** `batchTransform` in a worker thread: resolves with the output lines, or rejects with the error it threw. */
export function transformInWorker(req: TransformRequest): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'transform-worker.ts'), { workerData: req, execArgv: ['--require', 'tsx/cjs'] });
    let settled = false;
    worker.on('message', (m: { type: 'done'; result: string } | { type: 'error'; stage: 'load' | 'transform'; error: { name: string; message: string } }) => {
      settled = true;
      if (m.type === 'done') resolve(m.result);
      else reject(new WorkerTransformError(m.error.name, m.error.message, m.stage));
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new WorkerTransformError('TransformWorkerError', `the transform worker exited with code ${code}`, 'transform'));
    });
  });
}
