/**
 * The one schema of the twin's SQLite file: a versioned list of steps, run when the home is opened.
 * Each step runs once, in order, inside a transaction; `user_version` records how far a file has come,
 * so an old data dir is upgraded in place, never rebuilt. Services and adapters assume their tables.
 */
import type Database from 'better-sqlite3';
import { EXECUTIONS_SCHEMA } from './schema/executions';
import { SAGEMAKER_SCHEMA } from './schema/sagemaker';
import { STORES_SCHEMA } from './schema/stores';
import { APPROVALS_SCHEMA, METRICS_SCHEMA, MONITORING_SCHEMA, TASK_TOKENS_SCHEMA } from './schema/twin-services';

const MIGRATIONS: readonly string[] = [
  // 1: feature store and parameter store
  STORES_SCHEMA,
  // 2: Step Functions executions, their history, notifications
  EXECUTIONS_SCHEMA,
  // 3: tables each service used to create at its first use (hence IF NOT EXISTS: a home at step 2 may
  //    hold them already, with rows)
  [SAGEMAKER_SCHEMA, TASK_TOKENS_SCHEMA, APPROVALS_SCHEMA, MONITORING_SCHEMA, METRICS_SCHEMA].join('\n'),
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
