import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteApprovalStore } from '../../../local/adapters/sqlite-approval-store';
import { SqliteFeatureStore } from '../../../local/adapters/sqlite-feature-store';
import { SqliteMetricsPublisher } from '../../../local/adapters/sqlite-metrics-publisher';
import { SCHEMA_VERSION } from '../../../local/db/migrations';
import { EXECUTIONS_SCHEMA } from '../../../local/db/schema/executions';
import { STORES_SCHEMA } from '../../../local/db/schema/stores';
import { APPROVALS_SCHEMA, METRICS_SCHEMA, MONITORING_SCHEMA } from '../../../local/db/schema/twin-services';
import { SqliteParameterStore } from '../../../local/adapters/sqlite-parameter-store';
import { ExecutionStore } from '../../../local/executor/execution-store';
import { openHome } from '../../../local/home';
import { ACCURACY_METRICS } from '../../../src/ports/metrics-publisher';
import { LOCAL_SETTINGS } from '../../../local/settings';
import { aRequest } from '../../builders/approvals';
import { aRecord } from '../../builders/feature-records';

/** A data dir as the twin left it before the single migration list: at step 2, plus what adapters created at first use. */
async function aHomeAtVersion2(dir: string, { adapterTablesCreated }: { adapterTablesCreated: boolean }) {
  const db = new Database(join(dir, 'twin.db'));
  db.exec(STORES_SCHEMA);
  db.exec(EXECUTIONS_SCHEMA);
  db.pragma('user_version = 2');
  await new SqliteFeatureStore(db).putRecords([aRecord(0), aRecord(1)]);
  new ExecutionStore(db).insert({ executionArn: 'arn:x:execution:m:e1', stateMachineArn: 'arn:x:m', name: 'e1', status: 'SUCCEEDED', startDate: '2025-03-05T00:00:00.000Z', input: {} });
  if (adapterTablesCreated) {
    db.exec(APPROVALS_SCHEMA);
    db.exec(METRICS_SCHEMA);
    // As the adapter of that version wrote it: the columns the approvals schema had then.
    const r = aRequest();
    db.prepare(
      `INSERT INTO approval_requests (id_hash, task_token, execution_arn, stage, model_package_arn, report_uri, evidence, created_at, expires_at, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(r.idHash, r.taskToken, r.executionArn, r.stage, r.modelPackageArn, r.reportUri, JSON.stringify(r.evidence), r.createdAt, r.expiresAt, r.status);
    await new SqliteMetricsPublisher(db).publishAccuracy({ stage: 'staging', at: '2025-03-05T01:00:00.000Z', meanWQuantileLoss: 0.1, threshold: 0.2, rmse: 3 });
  }
  db.close();
}

describe('Function: migrate (through openHome)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlops-migrations-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('upgrades a home at the previous version in place, keeping every row', async () => {
    // Prepare
    await aHomeAtVersion2(dir, { adapterTablesCreated: true });

    // Act
    const home = openHome(dir);

    // Assess
    try {
      expect(home.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(new SqliteFeatureStore(home.db).summary().rows).toBe(2);
      expect(new ExecutionStore(home.db).list().map((e) => e.name)).toEqual(['e1']);
      expect(await new SqliteApprovalStore(home.db).get(aRequest().idHash)).toEqual(aRequest());
      expect(new SqliteMetricsPublisher(home.db).series(ACCURACY_METRICS.meanWQuantileLoss, 'staging').map((p) => p.value)).toEqual([0.1]);
    } finally {
      home.close();
    }
  });

  it('creates, in an old home, the tables its services had not created yet', async () => {
    // Prepare
    await aHomeAtVersion2(dir, { adapterTablesCreated: false });

    // Act
    const home = openHome(dir);

    // Assess
    try {
      await new SqliteApprovalStore(home.db).create(aRequest());
      expect(await new SqliteApprovalStore(home.db).listPending()).toHaveLength(1);
      expect(home.db.prepare(`SELECT COUNT(*) AS n FROM sagemaker_training_jobs`).get()).toEqual({ n: 0 });
      expect(home.db.prepare(`SELECT COUNT(*) AS n FROM sfn_task_tokens`).get()).toEqual({ n: 0 });
    } finally {
      home.close();
    }
  });

  describe('step 6: skill becomes the default monitoring/criterion', () => {
    const CRITERION = `${LOCAL_SETTINGS.PARAMETER_PATH}/monitoring/criterion`;
    /** A home at step 5 whose monitoring/criterion has the given versions (the first one as the twin seeded it). */
    function aHomeAtVersion5(versions: string[]) {
      const db = new Database(join(dir, 'twin.db'));
      db.exec(STORES_SCHEMA);
      // What later steps alter: the monitoring checks as step 5 left them.
      db.exec(MONITORING_SCHEMA);
      db.exec(`ALTER TABLE monitoring_checks ADD COLUMN criterion TEXT; ALTER TABLE monitoring_checks ADD COLUMN naive_loss REAL;
               ALTER TABLE monitoring_checks ADD COLUMN skill REAL; ALTER TABLE monitoring_checks ADD COLUMN max_skill REAL;`);
      versions.forEach((value, i) =>
        db.prepare(`INSERT INTO parameters (name, version, value, description, last_modified) VALUES (?, ?, ?, ?, ?)`).run(CRITERION, i + 1, value, i === 0 ? 'seeded' : null, `2025-03-0${i + 1}T00:00:00.000Z`),
      );
      db.pragma('user_version = 5');
      db.close();
    }
    const criterionHistory = async () => {
      const home = openHome(dir);
      try {
        return (await new SqliteParameterStore(home.db).history(CRITERION)).map((p) => [p.version, p.value]);
      } finally {
        home.close();
      }
    };

    it('moves a home still on the old default (seeded "absolute", never set) to skill, as a new version', async () => {
      aHomeAtVersion5(['absolute']);
      expect(await criterionHistory()).toEqual([[1, 'absolute'], [2, 'skill']]);
    });

    it.each([
      ['set back to absolute by its user', ['absolute', 'skill', 'absolute']],
      ['set to absolute by its user', ['absolute', 'absolute']],
      ['set to skill by its user', ['absolute', 'skill']],
    ])('leaves a criterion %s as it is', async (_, versions) => {
      aHomeAtVersion5(versions);
      expect(await criterionHistory()).toEqual(versions.map((value, i) => [i + 1, value]));
    });

    it('runs once: opening the home again adds nothing', async () => {
      aHomeAtVersion5(['absolute']);
      await criterionHistory();
      expect(await criterionHistory()).toEqual([[1, 'absolute'], [2, 'skill']]);
    });
  });
});
