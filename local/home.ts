/**
 * The twin's data directory: one SQLite file for everything tabular and a directory for objects.
 * Default `.mlops/` in the working directory; `MLOPS_HOME` overrides.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { migrate } from './db/migrations';

export interface TwinHome {
  dir: string;
  db: Database.Database;
  objectsDir: string;
  close(): void;
}

export function resolveHomeDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(explicit ?? env.MLOPS_HOME ?? '.mlops');
}

export function openHome(dir = resolveHomeDir()): TwinHome {
  mkdirSync(dir, { recursive: true });
  const objectsDir = join(dir, 'objects');
  mkdirSync(objectsDir, { recursive: true });
  const db = new Database(join(dir, 'twin.db'));
  // WAL lets the CLI read (mlops status) while `mlops up` writes.
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return { dir, db, objectsDir, close: () => db.close() };
}
