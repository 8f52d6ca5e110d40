/**
 * Load the run configuration: reads the run's parameters from the parameter store at run time and
 * derives the job's names and locations. Bad configuration fails the run here, naming the parameter.
 */
import { DEFAULT_QUANTILES } from '../core/metrics';
import { checkHistoryFitsWindow, jobNameFrom, readRunConfig, requiredHistoryMinutes } from '../core/run-config';
import { parseHyperparameters } from '../deepar/hyperparameters';
import type { ParameterStore } from '../ports/parameter-store';

/** The deployment's settings a run needs, by the names of the Lambdas' environment. */
export interface RunSettings {
  ARTIFACTS_BUCKET: string;
  PARAMETER_PATH: string;
  SAGEMAKER_ROLE_ARN: string;
  DEEPAR_IMAGE_URI: string;
  MODEL_PACKAGE_GROUP: string;
  JOB_NAME_PREFIX: string;
  TRAINING_INSTANCE_TYPE: string;
  TRANSFORM_INSTANCE_TYPE: string;
  ENDPOINT_INSTANCE_TYPE: string;
  PRODUCTION_ENDPOINT_NAME: string;
  STAGING_ENDPOINT_NAME: string;
}

export interface LoadRunConfigInput {
  executionName: string;
  startTime: string;
  /** The execution's input: the data's end (`asOf`) and why it runs. */
  input?: { asOf?: string; reason?: string } | null;
}

export async function loadRunConfig(deps: { parameterStore: ParameterStore; settings: RunSettings }, { executionName, startTime, input }: LoadRunConfigInput) {
  const { settings } = deps;
  const config = await readRunConfig(deps.parameterStore, settings.PARAMETER_PATH);
  // DeepAR's own validation, before any instance starts: a bad hyperparameter names itself here.
  const hp = parseHyperparameters(config.hyperparameters);
  checkHistoryFitsWindow(config, hp.predictionLength, hp.contextLength + hp.predictionLength, settings.PARAMETER_PATH);
  const jobName = jobNameFrom(`${settings.JOB_NAME_PREFIX}-${executionName}`);
  const prefix = `s3://${settings.ARTIFACTS_BUCKET}/training/${jobName}`;
  return {
    jobName,
    asOf: input?.asOf ?? startTime,
    reason: input?.reason ?? 'manual start',
    hyperparameters: config.hyperparameters,
    windowDays: config.windowDays,
    // What the history gate counts against: the parameter, or the evaluation windows plus one context if more.
    minHistoryMinutes: requiredHistoryMinutes(config, hp.predictionLength, hp.contextLength + hp.predictionLength),
    predictionLength: hp.predictionLength,
    minValidPoints: hp.contextLength + hp.predictionLength,
    threshold: config.threshold,
    updateRate: config.updateRate,
    evaluationWindows: config.evaluationWindows,
    minImprovement: config.minImprovement,
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
}
