/**
 * Deployment settings of the Lambdas: what `sls deploy` puts in their environment (the bucket, the
 * SageMaker role, DeepAR's image for the region…). The twin passes its own local values.
 */
import { z } from 'zod';
import { ValidationError } from './errors';

const Settings = z.object({
  ARTIFACTS_BUCKET: z.string().min(3),
  PARAMETER_PATH: z.string().startsWith('/'),
  SAGEMAKER_ROLE_ARN: z.string().startsWith('arn:'),
  DEEPAR_IMAGE_URI: z.string().min(1),
  MODEL_PACKAGE_GROUP: z.string().min(1),
  /** SageMaker resources are named `<prefix>-<execution name>`, so IAM can scope them by prefix. */
  JOB_NAME_PREFIX: z.string().regex(/^[A-Za-z0-9-]{1,30}$/),
  TRAINING_INSTANCE_TYPE: z.string().default('ml.c5.xlarge'),
  TRANSFORM_INSTANCE_TYPE: z.string().default('ml.c5.xlarge'),
  ENDPOINT_INSTANCE_TYPE: z.string().default('ml.c5.large'),
  PRODUCTION_ENDPOINT_NAME: z.string().min(1),
  STAGING_ENDPOINT_NAME: z.string().min(1),
});

export type DeploymentSettings = z.infer<typeof Settings>;

/** Parses the settings from a Lambda's environment (`process.env`), naming the first bad variable. */
export function readSettings(env: Record<string, string | undefined>): DeploymentSettings {
  const result = Settings.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ValidationError(`environment variable ${issue.path.join('.')}: ${issue.message}`, { field: issue.path.join('.') });
  }
  return result.data;
}
