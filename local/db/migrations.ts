/**
 * Schema of the twin's SQLite file. Each migration runs once, in order, inside a transaction;
 * `user_version` records how far a file has come, so an old data dir is upgraded, never rebuilt.
 */
import type Database from 'better-sqlite3';

const MIGRATIONS: string[] = [
  // 1: feature store (every write kept, like the offline store) and parameter store (versioned, like SSM)
  `
  CREATE TABLE feature_records (
    id INTEGER PRIMARY KEY,
    feature_group TEXT NOT NULL,
    tx_minute TEXT NOT NULL,
    total_nb_trx_1min INTEGER NOT NULL,
    total_fee_1min REAL NOT NULL,
    avg_fee_1min REAL NOT NULL,
    event_time TEXT NOT NULL,
    written_at TEXT NOT NULL
  );
  CREATE INDEX feature_records_by_minute ON feature_records (feature_group, tx_minute);

  CREATE TABLE parameters (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    value TEXT NOT NULL,
    description TEXT,
    last_modified TEXT NOT NULL,
    PRIMARY KEY (name, version)
  );
  `,
  // 2: Step Functions executions and their event history
  `
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
  `,
];

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;
