/** The twin's deployment settings: the same names the Lambdas read from their environment on AWS. */
import type { DeploymentSettings } from '../src/core/deployment-settings';

export const LOCAL_SERVICE = 'btc-fee-deepar';
export const LOCAL_STAGE = 'local';
export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT = '000000000000';

export const LOCAL_SETTINGS: DeploymentSettings = {
  ARTIFACTS_BUCKET: 'mlops-local',
  PARAMETER_PATH: `/${LOCAL_SERVICE}/${LOCAL_STAGE}`,
  SAGEMAKER_ROLE_ARN: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${LOCAL_SERVICE}-${LOCAL_STAGE}-sagemaker`,
  DEEPAR_IMAGE_URI: 'forecasting-deepar:local',
  MODEL_PACKAGE_GROUP: `${LOCAL_SERVICE}-${LOCAL_STAGE}`,
  JOB_NAME_PREFIX: `${LOCAL_SERVICE}-${LOCAL_STAGE}`,
  TRAINING_INSTANCE_TYPE: 'ml.c5.xlarge',
  TRANSFORM_INSTANCE_TYPE: 'ml.c5.xlarge',
  ENDPOINT_INSTANCE_TYPE: 'ml.c5.large',
  STAGING_ENDPOINT_NAME: `${LOCAL_SERVICE}-${LOCAL_STAGE}-staging`,
  PRODUCTION_ENDPOINT_NAME: `${LOCAL_SERVICE}-${LOCAL_STAGE}-production`,
};

/** `Ref: LogicalId` in definitions, resolved to the twin's resources. */
export const LOCAL_REFS: Record<string, string> = {
  NotificationsTopic: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${LOCAL_SERVICE}-${LOCAL_STAGE}-notifications`,
  ArtifactsBucket: LOCAL_SETTINGS.ARTIFACTS_BUCKET,
};
