/** Versioned parameters in the twin's SQLite file, with SSM Parameter Store's semantics. */
import type Database from 'better-sqlite3';
import { ParameterAlreadyExistsError, ParameterNotFoundError } from '../../src/ports/errors';
import type { Parameter, ParameterStore } from '../../src/ports/parameter-store';

interface Row {
  name: string;
  version: number;
  value: string;
  last_modified: string;
}

const toParameter = (row: Row): Parameter => ({
  name: row.name,
  value: row.value,
  version: row.version,
  lastModified: new Date(row.last_modified),
});

export class SqliteParameterStore implements ParameterStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(name: string, version?: number): Promise<Parameter> {
    const row = (
      version === undefined
        ? this.db.prepare(`SELECT * FROM parameters WHERE name = ? ORDER BY version DESC LIMIT 1`).get(name)
        : this.db.prepare(`SELECT * FROM parameters WHERE name = ? AND version = ?`).get(name, version)
    ) as Row | undefined;
    if (!row) throw new ParameterNotFoundError(name, version);
    return toParameter(row);
  }

  async put(name: string, value: string, { overwrite = false, description }: { overwrite?: boolean; description?: string } = {}): Promise<Parameter> {
    if (!name.startsWith('/') || /\s/.test(name)) throw new RangeError(`parameter name ${JSON.stringify(name)} must be a path like /project/stage/name`);
    // Read and insert in one transaction, so two writers cannot both take the same version.
    return this.db.transaction(() => {
      const { latest } = this.db.prepare(`SELECT MAX(version) AS latest FROM parameters WHERE name = ?`).get(name) as { latest: number | null };
      if (latest !== null && !overwrite) throw new ParameterAlreadyExistsError(name);
      const row: Row = { name, version: (latest ?? 0) + 1, value, last_modified: this.now().toISOString() };
      this.db
        .prepare(`INSERT INTO parameters (name, version, value, description, last_modified) VALUES (?, ?, ?, ?, ?)`)
        .run(row.name, row.version, row.value, description ?? null, row.last_modified);
      return toParameter(row);
    })();
  }

  async history(name: string): Promise<Parameter[]> {
    const rows = this.db.prepare(`SELECT * FROM parameters WHERE name = ? ORDER BY version`).all(name) as Row[];
    if (rows.length === 0) throw new ParameterNotFoundError(name);
    return rows.map(toParameter);
  }
}
