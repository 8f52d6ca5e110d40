/**
 * The training loop's side of a helper thread (see gradient-worker.ts), the runtime's GradientHelper.
 * Synchronous: `start` hands over a share of the batch, `finish` blocks (Atomics.wait) until its
 * gradient is ready, so the training loop stays a plain function while two cores work.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { allocateBatch, type BatchBuffers } from '../batch-gradient';
import type { GradientHelper } from '../gradient-helper';
import type { LikelihoodName } from '../hyperparameters';
import type { NetworkSpec } from '../network';

export class GradientHelperThread implements GradientHelper {
  readonly batch: BatchBuffers;
  readonly grads: Float64Array;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(5 * 4));
  private readonly scalars = new Float64Array(new SharedArrayBuffer(2 * 8));
  private readonly worker: Worker;
  private request = 0;

  constructor(spec: NetworkSpec, likelihood: LikelihoodName, params: Float64Array, T: number, maxB: number, seed: number) {
    this.grads = new Float64Array(new SharedArrayBuffer(params.length * 8));
    this.batch = allocateBatch(T, maxB, spec.inputSize, spec.numOutputs, spec.cardinalities.length, true);
    this.worker = new Worker(join(__dirname, 'gradient-worker.ts'), {
      workerData: { spec, likelihood, T, params, grads: this.grads, batch: this.batch, ctrl: this.ctrl, scalars: this.scalars, seed },
      execArgv: ['--require', 'tsx/cjs'],
    });
    this.worker.unref();
    if (Atomics.wait(this.ctrl, 2, 0, 60000) === 'timed-out') {
      void this.worker.terminate();
      throw new Error('the gradient helper thread did not start within 60 s');
    }
  }

  start(B: number, weight: number): void {
    Atomics.store(this.ctrl, 3, B);
    this.scalars[0] = weight;
    this.request++;
    Atomics.store(this.ctrl, 0, this.request);
    Atomics.notify(this.ctrl, 0);
  }

  finish(): number {
    const deadline = Date.now() + 600000;
    while (Atomics.load(this.ctrl, 1) !== this.request) {
      if (Date.now() > deadline) throw new Error('the gradient helper thread did not answer within 10 minutes');
      Atomics.wait(this.ctrl, 1, Atomics.load(this.ctrl, 1), 1000);
    }
    if (Atomics.load(this.ctrl, 4)) throw new Error('the gradient helper thread failed');
    return this.scalars[1];
  }

  close(): void {
    Atomics.store(this.ctrl, 0, -1);
    Atomics.notify(this.ctrl, 0);
    void this.worker.terminate();
  }
}
