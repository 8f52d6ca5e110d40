/**
 * An in-memory SageMaker Runtime behind aws-sdk-client-mock: InvokeEndpoint on an endpoint in service
 * answers the naive model's predictions; on an unknown endpoint it answers SageMaker's ValidationError
 * "Endpoint … of account … not found.".
 */
import { InvokeEndpointCommand, SageMakerRuntimeClient, ValidationError } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import type { DeepArLine } from '../../../src/core/deepar-channels';
import type { InferenceConfiguration } from '../../../src/ports/endpoint-forecaster';
import { naiveForecast } from './naive-model';

export function fakeSageMakerRuntime({ accountId = '123456789012' } = {}) {
  const inService = new Set<string>();
  const mock = mockClient(SageMakerRuntimeClient);

  mock.on(InvokeEndpointCommand).callsFake(async ({ EndpointName, Body }) => {
    if (!inService.has(EndpointName!)) {
      throw new ValidationError({ message: `Endpoint ${EndpointName} of account ${accountId} not found.`, $metadata: { httpStatusCode: 400 } });
    }
    const { instances, configuration } = JSON.parse(Buffer.from(Body as Uint8Array).toString('utf8')) as { instances: DeepArLine[]; configuration: InferenceConfiguration };
    return { Body: Buffer.from(JSON.stringify({ predictions: instances.map((i) => naiveForecast(i, configuration)) })) as never, ContentType: 'application/json' };
  });

  return { client: new SageMakerRuntimeClient({ region: 'eu-west-1' }), deploy: (name: string) => void inService.add(name), restore: () => mock.restore() };
}
