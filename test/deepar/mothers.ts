/** Test data builders ("mothers") shared by the DeepAR tests. */
import { Rng } from '../../src/deepar/rng';
import { kernelBackend, setKernelBackend, type KernelBackend } from '../../src/deepar/kernels';

/** An hourly series with a daily cycle and Gaussian noise: y = level + amp·sin(2πt/24) + noise. */
export function seasonalSeries(n: number, seed = 1, noise = 0.5, level = 10, amp = 5): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, t) => level + amp * Math.sin((2 * Math.PI * t) / 24) + noise * rng.normal());
}

/** Small, fast hyperparameters as SageMaker's string map. */
export function tinyHyperparameters(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    time_freq: 'H', context_length: '24', prediction_length: '12', epochs: '2',
    num_cells: '8', num_layers: '1', mini_batch_size: '8', num_eval_samples: '20', ...overrides,
  };
}

export const START = '2025-01-01 00:00:00';
export const START_MS = Date.UTC(2025, 0, 1);

export function jsonLine(target: ArrayLike<number>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ start: START, target: Array.from(target, (v) => (Number.isFinite(v) ? v : 'NaN')), ...extra });
}

/** Runs fn with this thread's kernels (and new helper threads') on backend b. */
export function withBackend<T>(b: KernelBackend, fn: () => T): T {
  const before = kernelBackend();
  const env = process.env.DEEPAR_KERNELS;
  setKernelBackend(b);
  process.env.DEEPAR_KERNELS = b;
  try {
    return fn();
  } finally {
    setKernelBackend(before);
    if (env === undefined) delete process.env.DEEPAR_KERNELS;
    else process.env.DEEPAR_KERNELS = env;
  }
}
