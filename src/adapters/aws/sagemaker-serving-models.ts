/**
 * The model an endpoint serves and the loss it was approved at, read from SageMaker: DescribeEndpoint, then
 * DescribeEndpointConfig (its first production variant's ModelName: the training job's name here), then the
 * model package group's packages, newest first, until one whose CustomerMetadataProperties.trainingJob is
 * that model; its CustomerMetadataProperties.meanWQuantileLoss is the gate's many-window loss, written by
 * training.asl.yml's RegisterModel (test/fixtures/aws/sagemaker-model-package-metadata.json). The calls take
 * SageMaker's request and response shapes, so the twin's SageMaker answers them too.
 */
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  SageMakerClient,
  type DescribeEndpointConfigInput,
  type DescribeEndpointConfigOutput,
  type DescribeEndpointInput,
  type DescribeEndpointOutput,
  type DescribeModelPackageInput,
  type DescribeModelPackageOutput,
  type ListModelPackagesInput,
  type ListModelPackagesOutput,
} from '@aws-sdk/client-sagemaker';
import { approvedLossOf } from '../../core/monitoring-policy';
import type { ServingModel, ServingModels } from '../../ports/serving-models';

/** The four SageMaker reads it needs, in the API's shapes (the SDK client, or the twin's SageMaker). */
export interface SageMakerRegistryReads {
  describeEndpoint(req: DescribeEndpointInput): Promise<DescribeEndpointOutput>;
  describeEndpointConfig(req: DescribeEndpointConfigInput): Promise<DescribeEndpointConfigOutput>;
  listModelPackages(req: ListModelPackagesInput): Promise<ListModelPackagesOutput>;
  describeModelPackage(req: DescribeModelPackageInput): Promise<DescribeModelPackageOutput>;
}

export function sageMakerRegistryReads(client: SageMakerClient = new SageMakerClient({})): SageMakerRegistryReads {
  return {
    describeEndpoint: (req) => client.send(new DescribeEndpointCommand(req)),
    describeEndpointConfig: (req) => client.send(new DescribeEndpointConfigCommand(req)),
    listModelPackages: (req) => client.send(new ListModelPackagesCommand(req)),
    describeModelPackage: (req) => client.send(new DescribeModelPackageCommand(req)),
  };
}

/** Packages looked through, newest first: a serving model is one of the latest registered. */
export const PACKAGES_SEARCHED = 100;

export class SageMakerServingModels implements ServingModels {
  constructor(
    private readonly sageMaker: SageMakerRegistryReads,
    private readonly modelPackageGroup: string,
  ) {}

  async servingModel(endpointName: string): Promise<ServingModel | undefined> {
    let endpoint: DescribeEndpointOutput;
    try {
      endpoint = await this.sageMaker.describeEndpoint({ EndpointName: endpointName });
    } catch (error) {
      // SageMaker's answer for an unknown endpoint (test/fixtures/aws/sagemaker-endpoint-errors.json).
      if ((error as Error).name === 'ValidationException' && /Could not find endpoint/.test((error as Error).message)) return undefined;
      throw error;
    }
    const config = await this.sageMaker.describeEndpointConfig({ EndpointConfigName: endpoint.EndpointConfigName! });
    const modelName = config.ProductionVariants?.[0]?.ModelName;
    if (!modelName) return undefined;
    const list = await this.sageMaker.listModelPackages({ ModelPackageGroupName: this.modelPackageGroup, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: PACKAGES_SEARCHED });
    for (const summary of list.ModelPackageSummaryList ?? []) {
      const described = await this.sageMaker.describeModelPackage({ ModelPackageName: summary.ModelPackageArn! });
      if (described.CustomerMetadataProperties?.trainingJob !== modelName) continue;
      const approvedLoss = approvedLossOf(described.CustomerMetadataProperties);
      return { modelName, modelPackageArn: described.ModelPackageArn!, ...(approvedLoss !== undefined ? { approvedLoss } : {}) };
    }
    return { modelName };
  }
}
