/** The AWS adapters (SDK v3) of the ports. */
export { SageMakerFeatureStore, type SageMakerFeatureStoreOptions } from './sagemaker-feature-store';
export { S3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store';
export { SsmParameterStore, type SsmParameterStoreOptions } from './ssm-parameter-store';
