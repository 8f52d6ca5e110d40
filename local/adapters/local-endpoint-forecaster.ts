/** Forecasts through the twin's endpoints, as the AWS adapter does through SageMaker's runtime. */
import type { DeepArLine } from '../../src/core/deepar-channels';
import type { DeepArForecast } from '../../src/core/evaluation';
import type { EndpointForecaster, InferenceConfiguration } from '../../src/ports/endpoint-forecaster';
import type { LocalSageMaker } from '../sagemaker';

export class LocalEndpointForecaster implements EndpointForecaster {
  constructor(private readonly sageMaker: LocalSageMaker) {}

  async forecast(endpointName: string, instances: DeepArLine[], configuration: InferenceConfiguration): Promise<DeepArForecast[] | undefined> {
    let status: string | undefined;
    try {
      status = (await this.sageMaker.describeEndpoint({ EndpointName: endpointName })).EndpointStatus;
    } catch {
      return undefined; // no such endpoint: nothing serves in that stage
    }
    if (status !== 'InService' && status !== 'Updating') return undefined;
    const { predictions } = await this.sageMaker.invokeEndpoint(endpointName, { instances, configuration });
    return predictions as DeepArForecast[];
  }
}
