/**
 * A stand-in for a trained DeepAR behind both runtimes' endpoints: it forecasts the last observed value
 * for the next `PREDICTION_LENGTH` points, every quantile included. The contract needs a model whose
 * answer it knows, not a good one; the twin runs it through its real endpoint machinery.
 */
import type { DeepArLine } from '../../../src/core/deepar-channels';
import type { DeepArForecast } from '../../../src/core/evaluation';
import type { DeepARPredictor } from '../../../src/deepar';
import type { InferenceConfiguration } from '../../../src/ports/endpoint-forecaster';

export const PREDICTION_LENGTH = 3;

const lastObserved = (target: ReadonlyArray<number | 'NaN' | null>) => [...target].reverse().find((v): v is number => typeof v === 'number' && Number.isFinite(v)) ?? 0;

/** What the naive model answers for one instance, in the endpoint's JSON shape. */
export function naiveForecast(instance: DeepArLine, configuration: InferenceConfiguration): DeepArForecast {
  const path = Array.from({ length: PREDICTION_LENGTH }, () => lastObserved(instance.target));
  return { mean: path, quantiles: Object.fromEntries(configuration.quantiles.map((q) => [q, path])) };
}

/** The same model in the shape the twin's endpoints call (`sample`, then `summarize`). */
export function naivePredictor(): DeepARPredictor {
  return {
    model: { config: { predictionLength: PREDICTION_LENGTH, cardinalities: [], numDynamicFeat: 0 } },
    sample(series: { target: ArrayLike<number> }, numSamples: number) {
      return new Float64Array(numSamples * PREDICTION_LENGTH).fill(lastObserved(Array.from(series.target)));
    },
    summarize(samples: Float64Array, _numSamples: number, levels: readonly number[]) {
      const path = Array.from(samples.subarray(0, PREDICTION_LENGTH));
      return { mean: path, quantiles: new Map(levels.map((level) => [level, path])) };
    },
  } as unknown as DeepARPredictor;
}
