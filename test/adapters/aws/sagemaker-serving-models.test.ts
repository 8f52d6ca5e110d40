import { DescribeEndpointCommand, DescribeEndpointConfigCommand, DescribeModelPackageCommand, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { SageMakerServingModels, sageMakerRegistryReads } from '../../../src/adapters/aws/sagemaker-serving-models';
import fixture from '../../fixtures/aws/sagemaker-model-package-metadata.json';
import errors from '../../fixtures/aws/sagemaker-endpoint-errors.json';

const GROUP = 'btc-fee-deepar-dev';
const arn = (version: number) => `arn:aws:sagemaker:eu-west-1:123456789012:model-package/${GROUP}/${version}`;

describe('Class: SageMakerServingModels', () => {
  const sageMaker = mockClient(SageMakerClient);
  const servingModels = () => new SageMakerServingModels(sageMakerRegistryReads(sageMaker as unknown as SageMakerClient), GROUP);
  beforeEach(() => {
    sageMaker.reset();
    sageMaker.on(DescribeEndpointCommand).resolves({ EndpointName: 'fees-production', EndpointConfigName: 'fees-production-cfg-2' } as never);
    sageMaker.on(DescribeEndpointConfigCommand).resolves({ ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'job-1' }] } as never);
    sageMaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [{ ModelPackageArn: arn(2) }, { ModelPackageArn: arn(1) }] } as never);
    sageMaker.on(DescribeModelPackageCommand, { ModelPackageName: arn(2) }).resolves({ ModelPackageArn: arn(2), CustomerMetadataProperties: { trainingJob: 'job-2', meanWQuantileLoss: '0.1' } } as never);
    sageMaker.on(DescribeModelPackageCommand, { ModelPackageName: arn(1) }).resolves({ ModelPackageArn: arn(1), CustomerMetadataProperties: { trainingJob: 'job-1', meanWQuantileLoss: '0.1391' } } as never);
  });

  it('reads the loss the served model was approved at from its package (CustomerMetadataProperties.meanWQuantileLoss)', async () => {
    // Act
    const served = await servingModels().servingModel('fees-production');

    // Assess
    expect(served).toEqual({ modelName: 'job-1', modelPackageArn: arn(1), approvedLoss: 0.1391 });
    expect(sageMaker).toHaveReceivedCommandWith(DescribeEndpointConfigCommand, { EndpointConfigName: 'fees-production-cfg-2' });
    expect(sageMaker).toHaveReceivedCommandWith(ListModelPackagesCommand, { ModelPackageGroupName: GROUP, ...fixture.listModelPackages.request } as never);
  });

  it('says which model serves, with no loss, when no package of the group registered it', async () => {
    sageMaker.on(DescribeEndpointConfigCommand).resolves({ ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'hand-made' }] } as never);
    await expect(servingModels().servingModel('fees-production')).resolves.toEqual({ modelName: 'hand-made' });
  });

  it('answers undefined for an endpoint that does not exist (SageMaker’s documented ValidationException)', async () => {
    const missing = errors.controlPlane.describeMissingEndpoint;
    sageMaker.on(DescribeEndpointCommand).rejects(Object.assign(new Error(missing.message.replace('{arn}', 'arn:aws:sagemaker:eu-west-1:1:endpoint/fees-staging')), { name: missing.name }));
    await expect(servingModels().servingModel('fees-staging')).resolves.toBeUndefined();
  });

  it('lets any other failure through (throttling says nothing about the endpoint)', async () => {
    sageMaker.on(DescribeEndpointCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(servingModels().servingModel('fees-production')).rejects.toThrow('Rate exceeded');
  });
});
