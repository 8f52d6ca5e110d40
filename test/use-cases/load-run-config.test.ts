import { DEFAULT_HYPERPARAMETERS } from '../../src/core/run-config';
import { loadRunConfig, type RunSettings } from '../../src/use-cases/load-run-config';
import { PARAMETER_PATH, aParameterStore } from './mothers';

const SETTINGS: RunSettings = {
  ARTIFACTS_BUCKET: 'artifacts',
  PARAMETER_PATH,
  SAGEMAKER_ROLE_ARN: 'arn:aws:iam::123456789012:role/sagemaker',
  DEEPAR_IMAGE_URI: 'forecasting-deepar:1',
  MODEL_PACKAGE_GROUP: 'btc-fee',
  JOB_NAME_PREFIX: 'btc-fee-test',
  TRAINING_INSTANCE_TYPE: 'ml.c5.xlarge',
  TRANSFORM_INSTANCE_TYPE: 'ml.c5.xlarge',
  ENDPOINT_INSTANCE_TYPE: 'ml.c5.large',
  PRODUCTION_ENDPOINT_NAME: 'endpoint-production',
  STAGING_ENDPOINT_NAME: 'endpoint-staging',
};
const START = '2025-05-01T12:00:00.000Z';

describe('Use case: loadRunConfig', () => {
  it("derives the job's names and locations from the execution and the parameters read now", async () => {
    // Prepare
    const parameterStore = await aParameterStore({ windowDays: '3', approvalTimeoutHours: '2' });

    // Act
    const config = await loadRunConfig({ parameterStore, settings: SETTINGS }, { executionName: 'training_2025 05 01', startTime: START });

    // Assess
    expect(config).toMatchObject({
      jobName: 'btc-fee-test-training-2025-05-01',
      asOf: START,
      reason: 'manual start',
      hyperparameters: DEFAULT_HYPERPARAMETERS,
      windowDays: 3,
      predictionLength: 30,
      minValidPoints: 90, // context_length 60 + prediction_length 30
      threshold: 0.5,
      dataPrefix: 's3://artifacts/training/btc-fee-test-training-2025-05-01',
      modelOutputPath: 's3://artifacts/training/btc-fee-test-training-2025-05-01/model',
      approvalTimeoutSeconds: 7200,
      productionEndpoint: 'endpoint-production',
    });
    expect(JSON.parse(config.inferenceConfig)).toEqual({ num_samples: 100, output_types: ['mean', 'quantiles'], quantiles: ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9'] });
  });

  it("takes the data's end and the reason from the execution's input", async () => {
    // Act
    const config = await loadRunConfig(
      { parameterStore: await aParameterStore(), settings: SETTINGS },
      { executionName: 'x', startTime: START, input: { asOf: '2025-04-30T00:00:00Z', reason: '3 consecutive breaches' } },
    );

    // Assess
    expect(config).toMatchObject({ asOf: '2025-04-30T00:00:00Z', reason: '3 consecutive breaches' });
  });

  it('fails the run on a bad hyperparameter, naming it, before any instance starts', async () => {
    // Prepare
    const parameterStore = await aParameterStore({ hyperparameters: JSON.stringify({ ...DEFAULT_HYPERPARAMETERS, num_cells: 'many' }) });

    // Act
    const attempt = loadRunConfig({ parameterStore, settings: SETTINGS }, { executionName: 'x', startTime: START });

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'HyperparameterValidationError', message: expect.stringContaining('num_cells') });
  });
});
