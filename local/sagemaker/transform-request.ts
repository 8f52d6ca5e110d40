/**
 * CreateTransformJob's request, checked as SageMaker checks it: name, model, batch strategy, an S3Prefix input
 * that holds objects, split and assembly by line (or none), an output path, resources.
 */
import type { CreateTransformJobRequest } from '@aws-sdk/client-sagemaker';
import deepArFormats from '../../test/fixtures/aws/deepar-channel-formats.json';
import { PipelineError } from '../../src/core/errors';
import type { FsObjectStore } from '../adapters/fs-object-store';
import { invalid } from './errors';
import {
  required, requireInstanceType, requireInteger, requireName, requireObject, requireObjectsUnder, requireOneOf, requireS3Uri,
  requireString, requireStringMap,
} from './validation';

export type ValidTransformJobRequest = CreateTransformJobRequest & { TransformJobName: string; ModelName: string };

export function checkTransformJobRequest(input: unknown): ValidTransformJobRequest {
  const req = requireObject<CreateTransformJobRequest>(input, 'CreateTransformJobRequest');
  requireName(req.TransformJobName, 'TransformJobName');
  requireName(req.ModelName, 'ModelName');
  if (req.BatchStrategy !== undefined) requireOneOf(req.BatchStrategy, ['SingleRecord', 'MultiRecord'], 'BatchStrategy');
  if (req.Environment !== undefined) requireStringMap(req.Environment, 'Environment', { maxEntries: 16, maxKey: 1024, maxValue: 10_240 });
  if (req.MaxConcurrentTransforms !== undefined) requireInteger(req.MaxConcurrentTransforms, 'MaxConcurrentTransforms', 0, 10_000);
  if (req.MaxPayloadInMB !== undefined) requireInteger(req.MaxPayloadInMB, 'MaxPayloadInMB', 0, 100);
  if (req.DataProcessing !== undefined) throw invalid('DataProcessing: the local SageMaker does not filter or join transform data', 'DataProcessing');

  const input_ = requireObject<NonNullable<CreateTransformJobRequest['TransformInput']>>(required(req.TransformInput, 'TransformInput'), 'TransformInput');
  const s3 = requireObject<{ S3DataType?: string; S3Uri?: string }>(
    required(required(input_.DataSource, 'TransformInput.DataSource').S3DataSource, 'TransformInput.DataSource.S3DataSource'),
    'TransformInput.DataSource.S3DataSource');
  const type = requireOneOf(s3.S3DataType, ['S3Prefix', 'ManifestFile', 'AugmentedManifestFile'], 'TransformInput.DataSource.S3DataSource.S3DataType');
  if (type !== 'S3Prefix') throw invalid(`TransformInput.DataSource.S3DataSource.S3DataType: the local SageMaker reads S3Prefix inputs only, not ${type}`, 'TransformInput.DataSource.S3DataSource.S3DataType');
  requireS3Uri(s3.S3Uri, 'TransformInput.DataSource.S3DataSource.S3Uri', { prefix: true });
  if (input_.ContentType !== undefined) requireString(input_.ContentType, 'TransformInput.ContentType', 256);
  if (input_.SplitType !== undefined) requireOneOf(input_.SplitType, ['Line', 'None'], 'TransformInput.SplitType');
  if (input_.CompressionType !== undefined && requireOneOf(input_.CompressionType, ['None', 'Gzip'], 'TransformInput.CompressionType') === 'Gzip') {
    throw invalid('TransformInput.CompressionType: the local SageMaker does not decompress Gzip inputs', 'TransformInput.CompressionType');
  }

  const output = requireObject<NonNullable<CreateTransformJobRequest['TransformOutput']>>(required(req.TransformOutput, 'TransformOutput'), 'TransformOutput');
  requireS3Uri(output.S3OutputPath, 'TransformOutput.S3OutputPath', { prefix: true });
  if (output.Accept !== undefined) requireString(output.Accept, 'TransformOutput.Accept', 256);
  if (output.AssembleWith !== undefined) requireOneOf(output.AssembleWith, ['Line', 'None'], 'TransformOutput.AssembleWith');

  const resources = requireObject<{ InstanceType?: string; InstanceCount?: number }>(required(req.TransformResources, 'TransformResources'), 'TransformResources');
  requireInstanceType(resources.InstanceType, 'TransformResources.InstanceType');
  requireInteger(resources.InstanceCount, 'TransformResources.InstanceCount', 1, 100);

  return req as ValidTransformJobRequest;
}

/** The input objects; a ValidationException when the prefix holds none. */
export function inputObjects(store: FsObjectStore, req: ValidTransformJobRequest): Promise<string[]> {
  return requireObjectsUnder(store, req.TransformInput!.DataSource!.S3DataSource!.S3Uri!, 'TransformInput.DataSource.S3DataSource.S3Uri');
}

/** What DeepAR's inference container reports when the batch settings do not fit it: the job fails with it. */
export class BatchSettingsError extends PipelineError {
  override readonly name = 'ClientError' as const;
}

/**
 * DeepAR's batch transform needs SingleRecord batches split by line: "the default values currently cause
 * runtime failures" (test/fixtures/aws/deepar-channel-formats.json). The request is valid; the job fails.
 */
export function checkDeepArBatchSettings(req: ValidTransformJobRequest): void {
  const { BatchStrategy, SplitType } = deepArFormats.batchTransform;
  const given = { BatchStrategy: req.BatchStrategy ?? '(default)', SplitType: req.TransformInput?.SplitType ?? '(default None)' };
  if (given.BatchStrategy !== BatchStrategy || given.SplitType !== SplitType) {
    throw new BatchSettingsError(
      `DeepAR's batch transform needs BatchStrategy ${BatchStrategy} and TransformInput.SplitType ${SplitType}; ` +
        `this job has BatchStrategy ${given.BatchStrategy} and SplitType ${given.SplitType}`,
    );
  }
}
