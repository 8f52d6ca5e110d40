/**
 * The twin's data directory: one SQLite file for everything tabular and a directory for objects.
 * Default `.mlops/` in the working directory; `MLOPS_HOME` overrides.
 *
 * The home is private to its user: it holds approval links, task tokens and the models. A process that opens
 * it creates its files 0600 and its directories 0700 from then on (a umask of 077: the objects, the outbox,
 * SageMaker's work directories, SQLite's WAL), and a home left readable by others is closed to them.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { migrate } from './db/migrations';

export interface TwinHome {
  dir: string;
  db: Database.Database;
  objectsDir: string;
  close(): void;
}

/** Where `mlops up` records the base URL its server answers on, for `mlops train` and the other commands' links. */
const SERVING_FILE = 'serving.json';

export function resolveHomeDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(explicit ?? env.MLOPS_HOME ?? '.mlops');
}

export function openHome(dir = resolveHomeDir()): TwinHome {
  keepNewFilesPrivate();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const objectsDir = join(dir, 'objects');
  mkdirSync(objectsDir, { recursive: true, mode: 0o700 });
  const dbFile = join(dir, 'twin.db');
  // SQLite gives its -wal and -shm files the database file's mode: create it 0600 before SQLite does.
  if (!existsSync(dbFile)) closeSync(openSync(dbFile, 'a', 0o600));
  for (const [path, mode] of [[dir, 0o700], [objectsDir, 0o700], [dbFile, 0o600]] as const) closeToOthers(path, mode);
  const db = new Database(dbFile);
  // WAL lets the CLI read (mlops status) while `mlops up` writes.
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return { dir, db, objectsDir, close: () => db.close() };
}

/** `mlops up` records the base URL it serves (links mailed by other commands point there). */
export function recordServingUrl(home: Pick<TwinHome, 'dir'>, url: string): void {
  const file = join(home.dir, SERVING_FILE);
  writeFileSync(`${file}.partial`, JSON.stringify({ url, pid: process.pid, since: new Date().toISOString() }) + '\n', { mode: 0o600 });
  renameSync(`${file}.partial`, file);
}

/** The base URL `mlops up` last served, else where it serves by default (`MLOPS_PORT`, else 8080, on 127.0.0.1). */
export function servingUrl(home: Pick<TwinHome, 'dir'>, env: NodeJS.ProcessEnv = process.env): string {
  try {
    const { url } = JSON.parse(readFileSync(join(home.dir, SERVING_FILE), 'utf8')) as { url?: unknown };
    if (typeof url === 'string' && /^https?:\/\//.test(url)) return url;
  } catch {
    // Never served from this home yet (or the record is unreadable): the default.
  }
  return `http://127.0.0.1:${env.MLOPS_PORT || '8080'}`;
}

/** From now on this process creates files 0600 and directories 0700 (worker threads share the main thread's umask). */
function keepNewFilesPrivate(): void {
  if (!isMainThread) return;
  const previous = process.umask(0o077);
  if ((previous | 0o077) !== 0o077) process.umask(previous | 0o077);
}

/** Removes group and other access from a path of ours that has them; a home we may not change is left as it is. */
function closeToOthers(path: string, mode: number): void {
  try {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, mode);
  } catch {
    // A read-only home, or one owned by someone else: opening it must not fail for that.
  }
}
