/** Step 2: Step Functions executions and their event history, and the notifications topic's messages. */
export const EXECUTIONS_SCHEMA = `
  CREATE TABLE sfn_executions (
    execution_arn TEXT PRIMARY KEY,
    state_machine_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    start_date TEXT NOT NULL,
    stop_date TEXT,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    owner_pid INTEGER NOT NULL
  );
  CREATE INDEX sfn_executions_by_machine ON sfn_executions (state_machine_arn, status);
  CREATE TABLE sfn_history (
    execution_arn TEXT NOT NULL REFERENCES sfn_executions (execution_arn),
    id INTEGER NOT NULL,
    timestamp TEXT NOT NULL,
    type TEXT NOT NULL,
    state_name TEXT,
    details TEXT NOT NULL,
    PRIMARY KEY (execution_arn, id)
  );
  CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    topic_arn TEXT NOT NULL,
    subject TEXT,
    message TEXT NOT NULL,
    sent_at TEXT NOT NULL
  );
  `;
