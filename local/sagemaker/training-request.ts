/**
 * CreateTrainingJob's request, checked as SageMaker checks it for the DeepAR algorithm: name, role, image,
 * channels `train` (required) and `test` under S3 prefixes that hold objects, output path, resources, stopping condition.
 */
import type { Channel, CreateTrainingJobRequest } from '@aws-sdk/client-sagemaker';
import deepArFormats from '../../test/fixtures/aws/deepar-channel-formats.json';
import { PipelineError } from '../../src/core/errors';
import type { FsObjectStore } from '../adapters/fs-object-store';
import { invalid, validationError } from './errors';
import {
  required, requireDeepARImage, requireInstanceType, requireInteger, requireName, requireObject, requireObjectsUnder,
  requireOneOf, requireRoleArn, requireS3Uri, requireStringMap,
} from './validation';

export const DEEPAR_CHANNELS = ['train', 'test'] as const;
/** SageMaker's default and largest MaxRuntimeInSeconds. */
export const DEFAULT_MAX_RUNTIME_SECONDS = 86_400;
export const LARGEST_MAX_RUNTIME_SECONDS = 2_419_200;

/** The request with its defaults filled, as DescribeTrainingJob echoes it. */
export type ValidTrainingJobRequest = CreateTrainingJobRequest & {
  TrainingJobName: string;
  InputDataConfig: Channel[];
  StoppingCondition: { MaxRuntimeInSeconds: number };
};

/** Checks the fields that need no I/O; throws a ValidationException naming the field. */
export function checkTrainingJobRequest(input: unknown): ValidTrainingJobRequest {
  const req = requireObject<CreateTrainingJobRequest>(input, 'CreateTrainingJobRequest');
  requireName(req.TrainingJobName, 'TrainingJobName');
  requireRoleArn(req.RoleArn, 'RoleArn');

  const algorithm = requireObject<NonNullable<CreateTrainingJobRequest['AlgorithmSpecification']>>(
    required(req.AlgorithmSpecification, 'AlgorithmSpecification'), 'AlgorithmSpecification');
  if (algorithm.AlgorithmName !== undefined) {
    throw invalid('AlgorithmSpecification.AlgorithmName: the local SageMaker runs built-in DeepAR by TrainingImage, not marketplace algorithms', 'AlgorithmSpecification.AlgorithmName');
  }
  requireDeepARImage(algorithm.TrainingImage, 'AlgorithmSpecification.TrainingImage');
  requireOneOf(algorithm.TrainingInputMode, ['File', 'Pipe', 'FastFile'], 'AlgorithmSpecification.TrainingInputMode');

  if (req.HyperParameters !== undefined) requireStringMap(req.HyperParameters, 'HyperParameters', { maxEntries: 100, maxKey: 256, maxValue: 2500 });

  const channels = required(req.InputDataConfig, 'InputDataConfig');
  if (!Array.isArray(channels) || channels.length === 0 || channels.length > 20) {
    throw validationError('InputDataConfig', channels, 'Member must be a list of 1 to 20 channels');
  }
  const seen = new Set<string>();
  channels.forEach((c, i) => {
    const at = `InputDataConfig[${i}]`;
    requireObject(c, at);
    const name = requireOneOf(c.ChannelName, DEEPAR_CHANNELS, `${at}.ChannelName`);
    if (seen.has(name)) throw invalid(`${at}.ChannelName: channel names must be unique, "${name}" appears twice`, `${at}.ChannelName`);
    seen.add(name);
    const s3 = requireObject<{ S3DataType?: string; S3Uri?: string; S3DataDistributionType?: string }>(
      required(required(c.DataSource, `${at}.DataSource`).S3DataSource, `${at}.DataSource.S3DataSource`), `${at}.DataSource.S3DataSource`);
    const type = requireOneOf(s3.S3DataType, ['S3Prefix', 'ManifestFile', 'AugmentedManifestFile'], `${at}.DataSource.S3DataSource.S3DataType`);
    if (type !== 'S3Prefix') throw invalid(`${at}.DataSource.S3DataSource.S3DataType: the local SageMaker reads S3Prefix channels only, not ${type}`, `${at}.DataSource.S3DataSource.S3DataType`);
    requireS3Uri(s3.S3Uri, `${at}.DataSource.S3DataSource.S3Uri`, { prefix: true });
    if (s3.S3DataDistributionType !== undefined) requireOneOf(s3.S3DataDistributionType, ['FullyReplicated', 'ShardedByS3Key'], `${at}.DataSource.S3DataSource.S3DataDistributionType`);
    if (c.CompressionType !== undefined && requireOneOf(c.CompressionType, ['None', 'Gzip'], `${at}.CompressionType`) === 'Gzip') {
      throw invalid(`${at}.CompressionType: the local SageMaker does not decompress Gzip channels`, `${at}.CompressionType`);
    }
  });
  if (!seen.has('train')) throw invalid('InputDataConfig: DeepAR needs a "train" channel', 'InputDataConfig');

  const output = requireObject<{ S3OutputPath?: string }>(required(req.OutputDataConfig, 'OutputDataConfig'), 'OutputDataConfig');
  requireS3Uri(output.S3OutputPath, 'OutputDataConfig.S3OutputPath', { prefix: true });

  const resources = requireObject<{ InstanceType?: string; InstanceCount?: number; VolumeSizeInGB?: number }>(
    required(req.ResourceConfig, 'ResourceConfig'), 'ResourceConfig');
  requireInstanceType(resources.InstanceType, 'ResourceConfig.InstanceType');
  requireInteger(resources.InstanceCount, 'ResourceConfig.InstanceCount', 1, 100);
  requireInteger(resources.VolumeSizeInGB, 'ResourceConfig.VolumeSizeInGB', 1, 16_384);

  const stopping = req.StoppingCondition === undefined ? {} : requireObject<{ MaxRuntimeInSeconds?: number }>(req.StoppingCondition, 'StoppingCondition');
  const maxRuntime = stopping.MaxRuntimeInSeconds ?? DEFAULT_MAX_RUNTIME_SECONDS;
  requireInteger(maxRuntime, 'StoppingCondition.MaxRuntimeInSeconds', 1, LARGEST_MAX_RUNTIME_SECONDS);

  return { ...req, TrainingJobName: req.TrainingJobName!, InputDataConfig: channels, StoppingCondition: { ...stopping, MaxRuntimeInSeconds: maxRuntime } };
}

/** Checks that every channel's prefix holds objects in the local object store. */
export async function checkChannelsExist(store: FsObjectStore, req: ValidTrainingJobRequest): Promise<void> {
  for (const [i, c] of req.InputDataConfig.entries()) {
    await requireObjectsUnder(store, c.DataSource!.S3DataSource!.S3Uri!, `InputDataConfig[${i}].DataSource.S3DataSource.S3Uri`);
  }
}

export function modelArtifactUri(req: ValidTrainingJobRequest): string {
  return `${req.OutputDataConfig!.S3OutputPath!.replace(/\/+$/, '')}/${req.TrainingJobName}/output/model.tar.gz`;
}

/** What DeepAR's container reports when it cannot read a channel: the job fails with this as its FailureReason. */
export class ChannelFormatError extends PipelineError {
  override readonly name = 'ClientError' as const;
}

/**
 * DeepAR reads a channel's format from its files' extension (.json, .json.gz, .parquet), or from the
 * channel's ContentType when the files have another one (test/fixtures/aws/deepar-channel-formats.json).
 * Files starting with a period and `_SUCCESS` are skipped, as DeepAR skips them.
 */
export function checkChannelFormat(channel: Channel, relativeFiles: readonly string[]): void {
  const { extensions, ignoredFiles, contentTypes } = deepArFormats.trainingChannels;
  const base = (f: string) => f.split('/').pop()!;
  const read = relativeFiles.filter((f) => !base(f).startsWith(ignoredFiles.startsWith) && base(f) !== ignoredFiles.named);
  if (channel.ContentType !== undefined) {
    if (!contentTypes.includes(channel.ContentType)) {
      throw new ChannelFormatError(`channel ${channel.ChannelName}: DeepAR does not read ContentType ${JSON.stringify(channel.ContentType)} (it reads ${contentTypes.join(', ')})`);
    }
    return;
  }
  const unknown = read.filter((f) => !extensions.some((ext) => f.endsWith(ext)));
  if (unknown.length > 0) {
    throw new ChannelFormatError(
      `channel ${channel.ChannelName}: cannot tell the format of ${unknown.slice(0, 3).join(', ')}: DeepAR reads it from the extension ` +
        `(${extensions.join(', ')}), or give the channel a ContentType`,
    );
  }
}
