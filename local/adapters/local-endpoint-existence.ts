/** Whether one of the twin's endpoints exists, as the AWS adapter asks SageMaker (src/adapters/aws/sagemaker-endpoint-existence.ts). */
import type { LocalSageMaker } from '../sagemaker';

export function localEndpointExists(sageMaker: LocalSageMaker) {
  return async (endpointName: string): Promise<boolean> => {
    try {
      await sageMaker.describeEndpoint({ EndpointName: endpointName });
      return true;
    } catch (error) {
      // The local SageMaker answers an unknown endpoint as SageMaker does (test/fixtures/aws/sagemaker-endpoint-errors.json).
      if ((error as Error).name === 'ValidationException' && /Could not find endpoint/.test((error as Error).message)) return false;
      throw error;
    }
  };
}
