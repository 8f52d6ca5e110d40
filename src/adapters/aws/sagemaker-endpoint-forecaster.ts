/** Forecasts through a SageMaker endpoint with DeepAR's JSON request and response format. */
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { DeepArLine } from '../../core/deepar-channels';
import type { DeepArForecast } from '../../core/evaluation';
import type { EndpointForecaster, InferenceConfiguration } from '../../ports/endpoint-forecaster';

export class SageMakerEndpointForecaster implements EndpointForecaster {
  private readonly client: SageMakerRuntimeClient;

  constructor(options: { client?: SageMakerRuntimeClient } = {}) {
    this.client = options.client ?? new SageMakerRuntimeClient({});
  }

  async forecast(endpointName: string, instances: DeepArLine[], configuration: InferenceConfiguration): Promise<DeepArForecast[] | undefined> {
    let body: Uint8Array | undefined;
    try {
      ({ Body: body } = await this.client.send(
        new InvokeEndpointCommand({
          EndpointName: endpointName,
          ContentType: 'application/json',
          Accept: 'application/json',
          Body: Buffer.from(JSON.stringify({ instances, configuration })),
        }),
      ));
    } catch (error) {
      // SageMaker answers a missing endpoint with a ValidationError "Endpoint … not found".
      if ((error as Error).name === 'ValidationError' && /not found/i.test((error as Error).message)) return undefined;
      throw error;
    }
    const { predictions } = JSON.parse(Buffer.from(body ?? new Uint8Array()).toString('utf8')) as { predictions: DeepArForecast[] };
    return predictions;
  }
}
