/**
 * Whether a SageMaker endpoint exists, in any status: DescribeEndpoint, with SageMaker's answer for an
 * unknown endpoint (a ValidationException "Could not find endpoint ...", test/fixtures/aws/sagemaker-endpoint-errors.json)
 * read as "no". Any other error (throttling, access) is thrown: it says nothing about the endpoint.
 */
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';

export function sageMakerEndpointExists(client: SageMakerClient = new SageMakerClient({})) {
  return async (endpointName: string): Promise<boolean> => {
    try {
      await client.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
      return true;
    } catch (error) {
      if ((error as Error).name === 'ValidationException' && /Could not find endpoint/.test((error as Error).message)) return false;
      throw error;
    }
  };
}
