import type { DeepArForecast } from '../core/evaluation';
import type { DeepArLine } from '../core/deepar-channels';

/** DeepAR's inference configuration, as the endpoint's `configuration` field carries it. */
export interface InferenceConfiguration {
  num_samples: number;
  output_types: Array<'mean' | 'quantiles' | 'samples'>;
  quantiles: string[];
}

/** Forecasts through a deployed endpoint (a stage's model). */
export interface EndpointForecaster {
  /** The endpoint's forecast for each instance, or undefined when no such endpoint is in service. */
  forecast(endpointName: string, instances: DeepArLine[], configuration: InferenceConfiguration): Promise<DeepArForecast[] | undefined>;
}
