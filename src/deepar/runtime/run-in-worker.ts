/**
 * Runs a training job in a worker thread so the caller's event loop stays free. TypeScript runs in the
 * worker through tsx's loader (no build step), under jest and from the CLI alike.
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
