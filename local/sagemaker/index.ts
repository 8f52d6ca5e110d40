/** The local SageMaker: training jobs, models, transform jobs and the model registry on one machine. */
export { LocalSageMaker, LOCAL_SAGEMAKER_ACTIONS } from './local-sagemaker';
export type { LocalSageMakerOptions } from './local-sagemaker';
export type { LocalSageMakerEvent } from './context';
export { ORPHAN_FAILURE_REASON } from './context';
export { SageMakerServiceError, SAGEMAKER_ERROR_CODES, isSageMakerServiceError } from './errors';
export type { SageMakerErrorCode } from './errors';
export type { Trainer } from './training-jobs';
export type { ApprovalChange } from './model-registry';
export { DEEPAR_REPOSITORY, NAME_PATTERN } from './validation';
