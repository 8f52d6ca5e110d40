/**
 * One `mlops up` per home. Two twins on one store would both ingest (duplicate work, doubled monitoring)
 * and both resume what the other runs, so `up` takes this lock before it opens the database or binds a
 * port, and holds it for the life of the process.
 *
 * The lock is SQLite's own exclusive lock (a POSIX advisory lock underneath) on a small file of its own
 * beside twin.db: the operating system releases it when the process ends, however it ends, so a killed
 * twin never blocks the next start and a recycled pid cannot fool it. A JSON file beside it names the
 * holder (pid, address) for the message a second `up` prints. The other commands (train, approve, config
 * set) take no lock: they are safe beside `up` through SQLite's transactions, and meant to run there.
 */
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineError } from '../src/core/errors';
import { isProcessAlive } from './process-alive';

export const LOCK_FILE = 'up.lock';
export const HOLDER_FILE = 'up.lock.json';

/** Another live `mlops up` holds the home. */
export class HomeLockedError extends PipelineError {
  override readonly name = 'HomeLockedError' as const;
}

/** The home cannot be written (read-only file system, no permission, disk full). */
export class HomeNotWritableError extends PipelineError {
  override readonly name = 'HomeNotWritableError' as const;
}

export interface LockHolder {
  pid: number;
  /** The address asked for; `url` once the server listens (with --port 0 the port is known only then). */
  host: string;
  port: number;
  url?: string;
  since: string;
}

export interface HomeLock {
  readonly holder: LockHolder;
  /** Records the address the server actually listens on, for the next `up`'s message. */
  listening(url: string): void;
  release(): void;
}

export function acquireHomeLock(dir: string, address: { host: string; port: number }): HomeLock {
  let db: Database.Database;
  try {
    mkdirSync(dir, { recursive: true });
    db = new Database(join(dir, LOCK_FILE), { timeout: 0 });
  } catch (error) {
    throw notWritable(dir, error);
  }
  try {
    // In exclusive locking mode the first write takes the lock and keeps it until the connection closes
    // (release(), or the end of the process); a second process cannot even read the file meanwhile.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder; COMMIT');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new HomeLockedError(lockedMessage(dir, readHolder(dir)), { cause: error });
    throw notWritable(dir, error);
  }
  const holder: LockHolder = { pid: process.pid, host: address.host, port: address.port, since: new Date().toISOString() };
  const record = () => {
    // Written whole, then renamed: a reader never sees half a holder.
    const temporary = join(dir, `${HOLDER_FILE}.${process.pid}`);
    writeFileSync(temporary, `${JSON.stringify(holder)}\n`);
    renameSync(temporary, join(dir, HOLDER_FILE));
  };
  try {
    record();
  } catch (error) {
    db.close();
    throw notWritable(dir, error);
  }
  return {
    holder,
    listening(url) {
      holder.url = url;
      record();
    },
    release() {
      if (db.open) db.close();
    },
  };
}

/** Who holds the home's lock, as its holder recorded it (undefined if it has not written it yet). */
export function readHolder(dir: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, HOLDER_FILE), 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

function lockedMessage(dir: string, recorded: LockHolder | undefined): string {
  // The record of a previous holder may still be there for the instant before the new one writes its own.
  const holder = recorded && isProcessAlive(recorded.pid) ? recorded : undefined;
  const who = holder
    ? `pid ${holder.pid}, ${holder.url ? `serving ${holder.url}` : `port ${holder.port}`}, since ${holder.since}`
    : 'it is starting';
  return `another \`mlops up\` is running on the home ${dir} (${who}); stop it first, or start this one with another --home`;
}


function notWritable(dir: string, error: unknown): HomeNotWritableError {
  const e = error as { code?: string; message?: string };
  return new HomeNotWritableError(`the home ${dir} cannot be written (${e.code ?? 'error'}: ${e.message ?? String(error)}); nothing was changed`, { cause: error });
}

const FULL = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);
const READ_ONLY = new Set(['SQLITE_READONLY', 'EROFS', 'EACCES', 'EPERM']);

/**
 * A storage error met while the twin runs, said in terms of its home: a full disk or a home turned read-only
 * names the directory and what to do; SQLite's transactions keep what was written before whole. Other errors
 * are returned as they are.
 */
export function explainStorageError(dir: string, error: unknown): unknown {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  const said = `${code}: ${(error as Error).message}`;
  if (FULL.has(code)) return new HomeNotWritableError(`the home ${dir} is full (${said}): free space there and start again; what was stored before is kept whole`, { cause: error });
  if (READ_ONLY.has(code)) return new HomeNotWritableError(`the home ${dir} cannot be written any more (${said}); what was stored before is kept whole`, { cause: error });
  return error;
}
