/**
 * The local SageMaker's tables. Names are unique case-insensitively (SageMaker's ARNs are lower case);
 * times are ISO-8601 text; request and list columns hold JSON.
 */
export const SAGEMAKER_SCHEMA = `
CREATE TABLE IF NOT EXISTS sagemaker_training_jobs (
  name TEXT PRIMARY KEY COLLATE NOCASE,
  arn TEXT NOT NULL,
  status TEXT NOT NULL,
  secondary_status TEXT NOT NULL,
  request TEXT NOT NULL,
  transitions TEXT NOT NULL DEFAULT '[]',
  progress TEXT NOT NULL DEFAULT '[]',
  final_metrics TEXT,
  model_artifacts TEXT,
  failure_reason TEXT,
  owner TEXT,
  creation_time TEXT NOT NULL,
  training_start_time TEXT,
  training_end_time TEXT,
  last_modified_time TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sagemaker_training_jobs_by_status ON sagemaker_training_jobs (status);

CREATE TABLE IF NOT EXISTS sagemaker_models (
  name TEXT PRIMARY KEY COLLATE NOCASE,
  arn TEXT NOT NULL,
  request TEXT NOT NULL,
  creation_time TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS sagemaker_transform_jobs (
  name TEXT PRIMARY KEY COLLATE NOCASE,
  arn TEXT NOT NULL,
  status TEXT NOT NULL,
  request TEXT NOT NULL,
  failure_reason TEXT,
  outputs TEXT NOT NULL DEFAULT '[]',
  owner TEXT,
  creation_time TEXT NOT NULL,
  transform_start_time TEXT,
  transform_end_time TEXT,
  last_modified_time TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sagemaker_transform_jobs_by_status ON sagemaker_transform_jobs (status);

CREATE TABLE IF NOT EXISTS sagemaker_model_package_groups (
  name TEXT PRIMARY KEY COLLATE NOCASE,
  arn TEXT NOT NULL,
  description TEXT,
  creation_time TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS sagemaker_model_packages (
  arn TEXT PRIMARY KEY,
  group_name TEXT NOT NULL COLLATE NOCASE,
  version INTEGER NOT NULL,
  request TEXT NOT NULL,
  approval_status TEXT NOT NULL,
  approval_description TEXT,
  creation_time TEXT NOT NULL,
  last_modified_time TEXT NOT NULL,
  UNIQUE (group_name, version)
);

CREATE TABLE IF NOT EXISTS sagemaker_model_package_approvals (
  id INTEGER PRIMARY KEY,
  model_package_arn TEXT NOT NULL,
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  description TEXT,
  changed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sagemaker_model_package_approvals_by_arn ON sagemaker_model_package_approvals (model_package_arn);

CREATE TABLE IF NOT EXISTS sagemaker_endpoint_configs (
  name TEXT PRIMARY KEY COLLATE NOCASE,
  arn TEXT NOT NULL,
  request TEXT NOT NULL,
  creation_time TEXT NOT NULL
);

-- deployed_config_name and deployed_model: what serves (null until a model first loads);
-- pending_config_name: the config being created or updated to.
CREATE TABLE IF NOT EXISTS sagemaker_endpoints (
  name TEXT PRIMARY KEY COLLATE NOCASE,
  arn TEXT NOT NULL,
  status TEXT NOT NULL,
  deployed_config_name TEXT,
  deployed_model TEXT,
  pending_config_name TEXT,
  failure_reason TEXT,
  owner TEXT,
  creation_time TEXT NOT NULL,
  last_modified_time TEXT NOT NULL
);
`;
