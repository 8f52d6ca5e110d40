/**
 * Models: a DeepAR image and a model.tar.gz in the object store, under a name. CreateModel checks that the
 * artifact exists; DescribeModel and DeleteModel answer SageMaker's `Could not find model "<arn>".` for an unknown name.
 */
import type { ContainerDefinition, CreateModelInput, CreateModelOutput, DescribeModelOutput } from '@aws-sdk/client-sagemaker';
import { iso, type ServiceContext } from './context';
import { invalid } from './errors';
import {
  required, requireDeepARImage, requireExistingObject, requireName, requireObject, requireRoleArn, requireS3Uri, requireStringMap,
} from './validation';

interface Row {
  name: string;
  arn: string;
  request: string;
  creation_time: string;
}

/** A model as the transform jobs need it. */
export interface StoredModel {
  name: string;
  arn: string;
  modelDataUrl: string;
  environment: Record<string, string>;
  creationTime: Date;
}

export class Models {
  constructor(private readonly ctx: ServiceContext) {}

  create(input: unknown): CreateModelOutput {
    const req = requireObject<CreateModelInput>(input, 'CreateModelInput');
    const name = requireName(req.ModelName, 'ModelName');
    requireRoleArn(req.ExecutionRoleArn, 'ExecutionRoleArn');
    if (req.Containers !== undefined) {
      throw invalid('Containers: the local SageMaker serves single-container models; give PrimaryContainer', 'Containers');
    }
    const container = requireObject<ContainerDefinition>(required(req.PrimaryContainer, 'PrimaryContainer'), 'PrimaryContainer');
    requireDeepARImage(container.Image, 'PrimaryContainer.Image');
    const url = requireS3Uri(container.ModelDataUrl, 'PrimaryContainer.ModelDataUrl');
    requireExistingObject(this.ctx.objectStore, url, 'PrimaryContainer.ModelDataUrl');
    if (container.Environment !== undefined) requireStringMap(container.Environment, 'PrimaryContainer.Environment', { maxEntries: 100, maxKey: 1024, maxValue: 1024 });
    const existing = this.find(name);
    if (existing) throw invalid(`Cannot create already existing model "${existing.arn}".`, 'ModelName');
    const arn = this.ctx.arn('model', name);
    this.ctx.db
      .prepare('INSERT INTO sagemaker_models (name, arn, request, creation_time) VALUES (?, ?, ?, ?)')
      .run(name, arn, JSON.stringify(req), iso(this.ctx.now()));
    return { ModelArn: arn };
  }

  describe(input: unknown): DescribeModelOutput {
    const row = this.require(input);
    const req = JSON.parse(row.request) as CreateModelInput;
    return {
      ModelName: row.name,
      PrimaryContainer: req.PrimaryContainer,
      ExecutionRoleArn: req.ExecutionRoleArn,
      CreationTime: new Date(row.creation_time),
      ModelArn: row.arn,
      EnableNetworkIsolation: req.EnableNetworkIsolation ?? false,
    };
  }

  delete(input: unknown): Record<string, never> {
    const row = this.require(input);
    this.ctx.db.prepare('DELETE FROM sagemaker_models WHERE name = ?').run(row.name);
    return {};
  }

  /** The model a transform job names, or SageMaker's ValidationException. */
  get(name: string, field = 'ModelName'): StoredModel {
    const row = this.find(name);
    if (!row) throw invalid(`Could not find model "${this.ctx.arn('model', name)}".`, field);
    const req = JSON.parse(row.request) as CreateModelInput;
    return {
      name: row.name,
      arn: row.arn,
      modelDataUrl: req.PrimaryContainer!.ModelDataUrl!,
      environment: req.PrimaryContainer!.Environment ?? {},
      creationTime: new Date(row.creation_time),
    };
  }

  private require(input: unknown): Row {
    const { ModelName } = requireObject<{ ModelName?: string }>(input, 'ModelInput');
    const name = requireName(ModelName, 'ModelName');
    const row = this.find(name);
    if (!row) throw invalid(`Could not find model "${this.ctx.arn('model', name)}".`, 'ModelName');
    return row;
  }

  private find(name: string): Row | undefined {
    return this.ctx.db.prepare('SELECT * FROM sagemaker_models WHERE name = ?').get(name) as Row | undefined;
  }
}
