/** Endpoint configs: CreateEndpointConfig, DescribeEndpointConfig, DeleteEndpointConfig, and the model a config deploys. */
import type { CreateEndpointConfigOutput, DescribeEndpointConfigOutput } from '@aws-sdk/client-sagemaker';
import { iso, type ServiceContext } from './context';
import type { ConfigRow, DeployedModel } from './endpoint-records';
import { checkEndpointConfigRequest, type ValidEndpointConfigRequest } from './endpoint-request';
import { invalid } from './errors';
import type { Models } from './models';
import { requireName, requireObject } from './validation';

export class EndpointConfigs {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly models: Models,
  ) {}

  create(input: unknown): CreateEndpointConfigOutput {
    const req = checkEndpointConfigRequest(input);
    for (const [i, v] of req.ProductionVariants.entries()) this.models.get(v.ModelName, `ProductionVariants.${i + 1}.ModelName`);
    const existing = this.find(req.EndpointConfigName);
    if (existing) throw invalid(`Cannot create already existing endpoint configuration "${existing.arn}".`, 'EndpointConfigName');
    const arn = this.ctx.arn('endpoint-config', req.EndpointConfigName);
    this.ctx.db
      .prepare('INSERT INTO sagemaker_endpoint_configs (name, arn, request, creation_time) VALUES (?, ?, ?, ?)')
      .run(req.EndpointConfigName, arn, JSON.stringify(req), iso(this.ctx.now()));
    return { EndpointConfigArn: arn };
  }

  describe(input: unknown): DescribeEndpointConfigOutput {
    const row = this.require(nameIn(input, 'EndpointConfigName', 'DescribeEndpointConfigInput'));
    const req = JSON.parse(row.request) as ValidEndpointConfigRequest;
    return {
      EndpointConfigName: row.name,
      EndpointConfigArn: row.arn,
      ProductionVariants: req.ProductionVariants,
      DataCaptureConfig: req.DataCaptureConfig,
      KmsKeyId: req.KmsKeyId,
      CreationTime: new Date(row.creation_time),
    };
  }

  /** As SageMaker: a config may be deleted while an endpoint runs it (the endpoint keeps its deployed model). */
  delete(input: unknown): Record<string, never> {
    const row = this.require(nameIn(input, 'EndpointConfigName', 'DeleteEndpointConfigInput'));
    this.ctx.db.prepare('DELETE FROM sagemaker_endpoint_configs WHERE name = ?').run(row.name);
    return {};
  }

  /** The model a config deploys, as an endpoint records it. */
  resolve(configName: string): DeployedModel {
    const variant = (JSON.parse(this.require(configName).request) as ValidEndpointConfigRequest).ProductionVariants[0];
    const model = this.models.get(variant.ModelName, 'ProductionVariants.1.ModelName');
    const image = this.models.describe({ ModelName: model.name }).PrimaryContainer?.Image ?? '';
    return {
      variantName: variant.VariantName, modelName: model.name, modelArn: model.arn, modelDataUrl: model.modelDataUrl,
      modelCreationTime: model.creationTime.getTime(), image, instanceType: variant.InstanceType,
      instanceCount: variant.InitialInstanceCount, weight: variant.InitialVariantWeight, deployedAt: iso(this.ctx.now()),
    };
  }

  /** The instances a config's (single) variant runs: what DeploymentConfig's capacity sizes are measured against. */
  instanceCount(configName: string): number {
    return (JSON.parse(this.require(configName).request) as ValidEndpointConfigRequest).ProductionVariants[0].InitialInstanceCount;
  }

  require(name: string): ConfigRow {
    const row = this.find(name);
    if (!row) throw invalid(`Could not find endpoint configuration "${this.ctx.arn('endpoint-config', name)}".`, 'EndpointConfigName');
    return row;
  }

  private find(name: string): ConfigRow | undefined {
    return this.ctx.db.prepare('SELECT * FROM sagemaker_endpoint_configs WHERE name = ?').get(name) as ConfigRow | undefined;
  }
}

export function nameIn(input: unknown, field: string, shape: string): string {
  const req = requireObject<Record<string, unknown>>(input, shape);
  return requireName(req[field], field);
}
