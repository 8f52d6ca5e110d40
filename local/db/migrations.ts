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
  // 4: a decision's delivery to Step Functions (recorded, sent, marked) and who its link was mailed to;
  //    decisions recorded before have no delivery state (NULL) and are left as they are
  `ALTER TABLE approval_requests ADD COLUMN delivery_state TEXT
     CHECK (delivery_state IS NULL OR delivery_state IN ('pending', 'delivered', 'not-waiting', 'awaiting-task', 'carried'));
   ALTER TABLE approval_requests ADD COLUMN delivery_attempts INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE approval_requests ADD COLUMN delivery_claimed_until TEXT;
   ALTER TABLE approval_requests ADD COLUMN delivery_last_attempt_at TEXT;
   ALTER TABLE approval_requests ADD COLUMN delivery_last_error TEXT;
   ALTER TABLE approval_requests ADD COLUMN delivered_at TEXT;
   ALTER TABLE approval_requests ADD COLUMN delivery_carried_to TEXT;
   ALTER TABLE approval_requests ADD COLUMN sent_to TEXT;
   CREATE INDEX approval_requests_by_delivery ON approval_requests (delivery_state, created_at);`,
  // 5: what a monitoring check was judged by: its criterion, seasonal naive's loss on the same windows,
  //    skill (loss / naive loss) and the skill limit; checks recorded before have none (absolute, NULL)
  `ALTER TABLE monitoring_checks ADD COLUMN criterion TEXT CHECK (criterion IS NULL OR criterion IN ('absolute', 'skill'));
   ALTER TABLE monitoring_checks ADD COLUMN naive_loss REAL;
   ALTER TABLE monitoring_checks ADD COLUMN skill REAL;
   ALTER TABLE monitoring_checks ADD COLUMN max_skill REAL;`,
  // 6: skill becomes monitoring/criterion's default (the whole-history replay: 22 retrainings against 87, a
  //    broken model served 2.5 h against 68.5 h). A home still on the old default, its criterion the value
  //    the twin seeded (version 1, "absolute") and never set since, moves to skill as a new version, so the
  //    parameter's history keeps what it was. A criterion a user set (`mlops config set` stores version 2 or
  //    later, after the seeded one) is left as it is, "absolute" included. Reading it (`config get`) stores nothing.
  `INSERT INTO parameters (name, version, value, description, last_modified)
     SELECT name, 2, 'skill',
            'monitoring/criterion moved from the old default (absolute) to the new one (skill) by the upgrade; set it back with mlops config set monitoring/criterion absolute',
            strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
       FROM parameters seeded
      WHERE name LIKE '%/monitoring/criterion' AND version = 1 AND value = 'absolute'
        AND NOT EXISTS (SELECT 1 FROM parameters later WHERE later.name = seeded.name AND later.version > 1);`,
  // 7: the loss a check's serving model was approved at (its model package's) and the factor the skill rule
  //    applied to it; checks recorded before have neither (NULL: skill alone judged them)
  `ALTER TABLE monitoring_checks ADD COLUMN approved_loss REAL;
   ALTER TABLE monitoring_checks ADD COLUMN approved_loss_factor REAL;`,
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
