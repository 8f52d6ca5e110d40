/** Builders ("mothers") for the local SageMaker's tests: a service in a temp twin home, requests, channels, trainers. */
import type { CreateModelPackageInput, CreateTrainingJobRequest, CreateTransformJobRequest } from '@aws-sdk/client-sagemaker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import { LocalSageMaker, type LocalSageMakerOptions, type Trainer } from '../../../local/sagemaker';
import type { TwinHome } from '../../../local/home';

export const BUCKET = 's3://mlops-artifacts';
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/SageMakerExecutionRole';
export const DEEPAR_IMAGE = '522234722520.dkr.ecr.us-east-1.amazonaws.com/forecasting-deepar:1';

export function aLocalSageMaker(home: TwinHome, overrides: Partial<LocalSageMakerOptions> = {}): LocalSageMaker {
  return new LocalSageMaker({ db: home.db, objectStore: new FsObjectStore(home.objectsDir), workDir: join(home.dir, 'work'), ...overrides });
}

/** Tiny DeepAR settings: one short epoch on a per-minute series, 30 points ahead. */
export function tinyHyperparameters(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    time_freq: '1min', context_length: '30', prediction_length: '30', epochs: '1', num_cells: '8', num_layers: '1',
    mini_batch_size: '8', num_eval_samples: '20', ...overrides,
  };
}

/** A per-minute series with an hourly cycle: y = 20 + 5·sin(2πt/60) + a small deterministic wobble. */
export function minuteSeries(n: number, phase = 0): number[] {
  return Array.from({ length: n }, (_, t) => 20 + 5 * Math.sin((2 * Math.PI * (t + phase)) / 60) + 0.5 * Math.sin(t * 1.7));
}

export function jsonLine(target: number[]): string {
  return JSON.stringify({ start: '2025-01-01 00:00:00', target });
}

/** Writes `train/` (all but the last 30 points) and `test/` (all of them) channels under a run prefix. */
export async function writeChannels(store: FsObjectStore, run = 'run-1'): Promise<{ train: string; test: string; transformInput: string }> {
  const series = minuteSeries(330);
  const prefix = `${BUCKET}/${run}`;
  await store.put(`${prefix}/train/data.json`, jsonLine(series.slice(0, 300)) + '\n');
  await store.put(`${prefix}/test/data.json`, jsonLine(series) + '\n');
  await store.put(`${prefix}/transform-input/series.json`, [jsonLine(series.slice(0, 300)), jsonLine(minuteSeries(300, 7))].join('\n') + '\n');
  return { train: `${prefix}/train/`, test: `${prefix}/test/`, transformInput: `${prefix}/transform-input/` };
}

export function aTrainingJobRequest(name: string, channels: { train: string; test?: string }, overrides: Partial<CreateTrainingJobRequest> = {}): CreateTrainingJobRequest {
  const channel = (ChannelName: string, S3Uri: string) => ({
    ChannelName, DataSource: { S3DataSource: { S3DataType: 'S3Prefix' as const, S3Uri, S3DataDistributionType: 'FullyReplicated' as const } },
    ContentType: 'json', CompressionType: 'None' as const,
  });
  return {
    TrainingJobName: name,
    RoleArn: ROLE_ARN,
    AlgorithmSpecification: { TrainingImage: DEEPAR_IMAGE, TrainingInputMode: 'File' },
    HyperParameters: tinyHyperparameters(),
    InputDataConfig: [channel('train', channels.train), ...(channels.test ? [channel('test', channels.test)] : [])],
    OutputDataConfig: { S3OutputPath: `${BUCKET}/models` },
    ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 5 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    ...overrides,
  };
}

export function aTransformJobRequest(name: string, modelName: string, input: string, overrides: Partial<CreateTransformJobRequest> = {}): CreateTransformJobRequest {
  return {
    TransformJobName: name,
    ModelName: modelName,
    BatchStrategy: 'SingleRecord',
    Environment: { DEEPAR_INFERENCE_CONFIG: JSON.stringify({ num_samples: 20, output_types: ['mean', 'quantiles'], quantiles: ['0.1', '0.5', '0.9'] }) },
    TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: input } }, ContentType: 'application/jsonlines', SplitType: 'Line' },
    TransformOutput: { S3OutputPath: `${BUCKET}/forecasts/${name}`, AssembleWith: 'Line' },
    TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    ...overrides,
  };
}

export function aModelPackageRequest(group: string, modelDataUrl: string, overrides: Partial<CreateModelPackageInput> = {}): CreateModelPackageInput {
  return {
    ModelPackageGroupName: group,
    ModelApprovalStatus: 'PendingManualApproval',
    ModelPackageDescription: 'DeepAR fee forecaster',
    InferenceSpecification: {
      Containers: [{ Image: DEEPAR_IMAGE, ModelDataUrl: modelDataUrl }],
      SupportedContentTypes: ['application/jsonlines'],
      SupportedResponseMIMETypes: ['application/jsonlines'],
    },
    ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: `${BUCKET}/evaluation/report.json` } } },
    CustomerMetadataProperties: { mean_wQuantileLoss: '0.12', data_window: '2025-01-01T00:00Z/2025-01-08T00:00Z' },
    ...overrides,
  };
}

/** A trainer that does not train: writes a stub model after `delayMs`, or rejects with a named error. */
export function aFakeTrainer({ fail, delayMs = 0 }: { fail?: { name: string; message: string }; delayMs?: number } = {}): Trainer {
  return async (req) => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (fail) throw Object.assign(new Error(fail.message), { name: fail.name });
    req.onProgress?.({ epoch: 1, epochs: 1, loss: 1.5, seconds: 0.01 });
    mkdirSync(req.modelDir, { recursive: true });
    writeFileSync(join(req.modelDir, 'model.json'), '{"format":"stub"}');
    return { finalMetrics: [{ MetricName: 'train:final_loss', Value: 1.5 }], epochsRun: 1, bestEpoch: 1, trainSeconds: 0.01 };
  };
}

/** A trainer that never ends (until the test ends): for stops, time-outs and restarts. */
export const aHangingTrainer: Trainer = () => new Promise(() => undefined);
