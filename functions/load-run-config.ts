/**
 * LoadRunConfig: reads the run's configuration from SSM Parameter Store at run time and derives the
 * job's names and locations. Bad configuration fails the run here, naming the parameter.
 */
import { z } from 'zod';
import { DEFAULT_QUANTILES } from '../src/core/metrics';
import { jobNameFrom, readRunConfig } from '../src/core/run-config';
import { parseHyperparameters } from '../src/deepar/hyperparameters';
import { SsmParameterStore } from '../src/adapters/aws/ssm-parameter-store';
import type { ParameterStore } from '../src/ports/parameter-store';
import { once, parseEvent, taskHandler } from './lib/middleware';
import { readSettings, type DeploymentSettings } from './lib/settings';

const LoadRunConfigEvent = z.object({
  executionName: z.string().min(1),
  startTime: z.string().min(1),
  input: z
    .object({ asOf: z.string().datetime({ offset: true }).optional(), reason: z.string().optional() })
    .passthrough()
    .nullish(),
});

export function createHandler(deps: { parameterStore: () => ParameterStore; settings: () => DeploymentSettings }) {
  return taskHandler(async (event: unknown) => {
    const { executionName, startTime, input } = parseEvent(LoadRunConfigEvent, event);
    const settings = deps.settings();
    const store = deps.parameterStore();
    const config = await readRunConfig(store, settings.PARAMETER_PATH);
    // DeepAR's own validation, before any instance starts: a bad hyperparameter names itself here.
    const hp = parseHyperparameters(config.hyperparameters);
    const jobName = jobNameFrom(`${settings.JOB_NAME_PREFIX}-${executionName}`);
    const prefix = `s3://${settings.ARTIFACTS_BUCKET}/training/${jobName}`;
    return {
      jobName,
      asOf: input?.asOf ?? startTime,
      reason: input?.reason ?? 'manual start',
      hyperparameters: config.hyperparameters,
      windowDays: config.windowDays,
      predictionLength: hp.predictionLength,
      minValidPoints: hp.contextLength + hp.predictionLength,
      threshold: config.threshold,
      updateRate: config.updateRate,
      image: settings.DEEPAR_IMAGE_URI,
      sagemakerRoleArn: settings.SAGEMAKER_ROLE_ARN,
      trainingInstanceType: settings.TRAINING_INSTANCE_TYPE,
      transformInstanceType: settings.TRANSFORM_INSTANCE_TYPE,
      dataPrefix: prefix,
      modelOutputPath: `${prefix}/model`,
      inferenceConfig: JSON.stringify({ num_samples: hp.numEvalSamples, output_types: ['mean', 'quantiles'], quantiles: DEFAULT_QUANTILES.map(String) }),
      modelPackageGroupName: settings.MODEL_PACKAGE_GROUP,
      productionEndpoint: settings.PRODUCTION_ENDPOINT_NAME,
      stagingEndpoint: settings.STAGING_ENDPOINT_NAME,
      endpointInstanceType: settings.ENDPOINT_INSTANCE_TYPE,
      approvalTimeoutSeconds: Math.round(config.approvalTimeoutHours * 3600),
    };
  });
}

export const handler = createHandler({
  parameterStore: once(() => new SsmParameterStore()),
  settings: once(() => readSettings()),
});
