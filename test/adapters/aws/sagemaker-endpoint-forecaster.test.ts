import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { SageMakerEndpointForecaster } from '../../../src/adapters/aws/sagemaker-endpoint-forecaster';

const instance = { start: '2025-03-12 00:00:00', target: [1, 2, 'NaN' as const] };
const configuration = { num_samples: 100, output_types: ['mean' as const, 'quantiles' as const], quantiles: ['0.1', '0.9'] };

describe('Class: SageMakerEndpointForecaster', () => {
  const runtime = mockClient(SageMakerRuntimeClient);
  beforeEach(() => runtime.reset());

  it('sends DeepAR’s JSON request to the endpoint and returns its predictions', async () => {
    // Prepare
    const predictions = [{ mean: [1, 2], quantiles: { '0.1': [0, 1], '0.9': [2, 3] } }];
    runtime.on(InvokeEndpointCommand).resolves({ Body: Buffer.from(JSON.stringify({ predictions })) as never });
    // Act
    const result = await new SageMakerEndpointForecaster({ client: runtime as never }).forecast('fees-production', [instance], configuration);
    // Assess
    expect(result).toEqual(predictions);
    expect(runtime).toReceiveCommandWith(InvokeEndpointCommand, {
      EndpointName: 'fees-production',
      ContentType: 'application/json',
      Accept: 'application/json',
      Body: Buffer.from(JSON.stringify({ instances: [instance], configuration })),
    });
  });

  it('answers undefined when no such endpoint serves (SageMaker’s “Endpoint … not found”)', async () => {
    runtime.on(InvokeEndpointCommand).rejects(Object.assign(new Error('Endpoint fees-staging of account 123 not found.'), { name: 'ValidationError' }));
    await expect(new SageMakerEndpointForecaster({ client: runtime as never }).forecast('fees-staging', [instance], configuration)).resolves.toBeUndefined();
  });

  it('lets any other failure through, for the caller to record', async () => {
    runtime.on(InvokeEndpointCommand).rejects(Object.assign(new Error('Received server error (500) from model'), { name: 'ModelError' }));
    await expect(new SageMakerEndpointForecaster({ client: runtime as never }).forecast('fees-staging', [instance], configuration)).rejects.toThrow('Received server error');
  });
});
