/**
 * Forecasts asked of a serving endpoint, as the gate and monitoring ask them: 100 sample paths, the mean and
 * the nine deciles, in requests under SageMaker's payload limit (ENDPOINT_BATCH, `batchInstances`).
 */
import type { DeepArLine } from '../core/deepar-channels';
import type { DeepArForecast } from '../core/evaluation';
import { DEFAULT_QUANTILES } from '../core/metrics';
import type { EndpointForecaster, InferenceConfiguration } from '../ports/endpoint-forecaster';

export const INFERENCE_CONFIGURATION: InferenceConfiguration = {
  num_samples: 100,
  output_types: ['mean', 'quantiles'],
  quantiles: DEFAULT_QUANTILES.map(String),
};

/**
 * The forecasts of every request's instances, in order. Undefined when no endpoint is in service; an answer
 * that is not a list ends it and is returned as it came, for the caller's scoring to refuse.
 */
export async function forecastInRequests(forecaster: EndpointForecaster, endpoint: string, requests: readonly DeepArLine[][]): Promise<unknown> {
  const forecasts: DeepArForecast[] = [];
  for (const instances of requests) {
    const answer: unknown = await forecaster.forecast(endpoint, instances, INFERENCE_CONFIGURATION);
    if (!Array.isArray(answer)) return answer;
    forecasts.push(...(answer as DeepArForecast[]));
  }
  return forecasts;
}
