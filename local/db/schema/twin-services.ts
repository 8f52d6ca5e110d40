/** The twin's own services: task tokens, approval requests, monitoring and metrics. */

/** `.waitForTaskToken` tokens and how each was settled. */
export const TASK_TOKENS_SCHEMA = `
  CREATE TABLE IF NOT EXISTS sfn_task_tokens (
      token TEXT PRIMARY KEY, execution_arn TEXT NOT NULL, state_name TEXT NOT NULL, status TEXT NOT NULL,
      output TEXT, error TEXT, cause TEXT, created_at TEXT NOT NULL, settled_at TEXT);
`;

/** Approval requests: a hash of each link's id, never the id; decisions and expiries are kept. */
export const APPROVALS_SCHEMA = `
  CREATE TABLE IF NOT EXISTS approval_requests (
    id_hash TEXT PRIMARY KEY,
    task_token TEXT NOT NULL,
    execution_arn TEXT NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('staging', 'production')),
    model_package_arn TEXT NOT NULL,
    report_uri TEXT NOT NULL,
    evidence TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    decided_by TEXT,
    decided_at TEXT,
    decided_from TEXT,
    decision_comment TEXT,
    expired_at TEXT
  );
  CREATE INDEX IF NOT EXISTS approval_requests_by_execution ON approval_requests (execution_arn, stage, status);
  CREATE INDEX IF NOT EXISTS approval_requests_by_status ON approval_requests (status, created_at);
`;

/** Monitoring: each stage's hourly check and each retraining decision. */
export const MONITORING_SCHEMA = `
  CREATE TABLE IF NOT EXISTS monitoring_checks (
    at TEXT NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('staging', 'production')),
    outcome TEXT NOT NULL CHECK (outcome IN ('measured', 'no-endpoint', 'stale-data', 'endpoint-error')),
    loss REAL,
    threshold REAL,
    endpoint TEXT,
    windows INTEGER,
    rmse REAL,
    detail TEXT,
    PRIMARY KEY (at, stage)
  );
  CREATE TABLE IF NOT EXISTS monitoring_decisions (
    at TEXT NOT NULL,
    stage_key TEXT NOT NULL,
    stage TEXT CHECK (stage IS NULL OR stage IN ('staging', 'production')),
    retrain INTEGER NOT NULL CHECK (retrain IN (0, 1)),
    reason TEXT NOT NULL,
    consecutive_breaches INTEGER NOT NULL,
    training_execution_arn TEXT,
    PRIMARY KEY (at, stage_key)
  );
`;

/** Published metrics (the twin's CloudWatch): one point per name, stage and time. */
export const METRICS_SCHEMA = `
  CREATE TABLE IF NOT EXISTS metrics (
    name TEXT NOT NULL,
    stage TEXT NOT NULL,
    value REAL NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (name, stage, at)
  );
`;
