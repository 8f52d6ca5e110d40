/** Step 1: the feature store (every write kept, like the offline store) and the parameter store (versioned, like SSM). */
export const STORES_SCHEMA = `
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
  `;
