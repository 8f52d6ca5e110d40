/**
 * What every part of the local SageMaker shares: the store, the clock, ARNs, the events a job's waiters
 * listen to, and which process owns a running job (so a restart can tell orphans from live jobs).
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { FsObjectStore } from '../adapters/fs-object-store';

/** What the local SageMaker reports as it goes, e.g. for a dashboard. */
export type LocalSageMakerEvent =
  | { type: 'TrainingJobStatusChanged'; name: string; status: string; secondaryStatus: string; failureReason?: string }
  | { type: 'TrainingJobProgress'; name: string; epoch: number; epochs: number; loss: number; seconds: number }
  | { type: 'TransformJobStatusChanged'; name: string; status: string; failureReason?: string }
  | { type: 'ModelPackageCreated'; arn: string; group: string; version: number; approvalStatus: string }
  | { type: 'ModelPackageApprovalChanged'; arn: string; from: string; to: string; description?: string };

export interface ServiceContext {
  db: Database.Database;
  objectStore: FsObjectStore;
  workDir: string;
  region: string;
  accountId: string;
  now: () => Date;
  /** `<pid>:<instance>`: written on the rows of the jobs this instance runs. */
  owner: string;
  isClosed: () => boolean;
  /** Wakes the waiters of one resource (key from `resourceKey`) and tells the `onEvent` listener. */
  changed(key: string, event?: LocalSageMakerEvent): void;
  /** Resolves with `probe()`'s value once it is defined, re-probing on each change of `key` (and every `pollMs`). */
  waitUntil<T>(key: string, probe: () => T | undefined, signal?: AbortSignal): Promise<T>;
  arn(resource: string, name: string): string;
}

/** The instances alive in this process: a job owned by one that is gone is an orphan. */
const liveOwners = new Set<string>();

export function createContext(opts: {
  db: Database.Database;
  objectStore: FsObjectStore;
  workDir: string;
  region: string;
  accountId: string;
  now: () => Date;
  onEvent?: (event: LocalSageMakerEvent) => void;
  pollMs: number;
}): ServiceContext & { close(): void } {
  const owner = `${process.pid}:${randomUUID()}`;
  const events = new EventEmitter();
  events.setMaxListeners(0);
  liveOwners.add(owner);
  let closed = false;
  return {
    db: opts.db,
    objectStore: opts.objectStore,
    workDir: opts.workDir,
    region: opts.region,
    accountId: opts.accountId,
    now: opts.now,
    owner,
    isClosed: () => closed,
    changed(key, event) {
      events.emit(key);
      if (event && opts.onEvent) {
        try {
          opts.onEvent(event);
        } catch {
          // A listener's failure must not fail the job it watches.
        }
      }
    },
    waitUntil<T>(key: string, probe: () => T | undefined, signal?: AbortSignal): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        // The poll only catches changes made by another process (e.g. the CLI waiting on `mlops up`'s job).
        const timer = setInterval(check, opts.pollMs);
        timer.unref();
        function cleanup(): void {
          clearInterval(timer);
          events.off(key, check);
          signal?.removeEventListener('abort', onAbort);
        }
        function onAbort(): void {
          cleanup();
          reject(signal?.reason ?? new DOMException('The wait was aborted', 'AbortError'));
        }
        function check(): void {
          try {
            const value = probe();
            if (value !== undefined) {
              cleanup();
              resolve(value);
            }
          } catch (e) {
            cleanup();
            reject(e);
          }
        }
        events.on(key, check);
        signal?.addEventListener('abort', onAbort, { once: true });
        if (signal?.aborted) onAbort();
        else check();
      });
    },
    arn: (resource, name) => `arn:aws:sagemaker:${opts.region}:${opts.accountId}:${resource}/${name.toLowerCase()}`,
    close() {
      closed = true;
      liveOwners.delete(owner);
    },
  };
}

/** Whether the instance that wrote `owner` is gone: its process ended, or it was closed in this one. */
export function isOrphanOwner(owner: string | null): boolean {
  if (!owner) return true;
  const [pid] = owner.split(':');
  if (Number(pid) === process.pid) return !liveOwners.has(owner);
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function resourceKey(kind: string, name: string): string {
  return `${kind}:${name.toLowerCase()}`;
}

/** SageMaker's FailureReason for an error: `HyperparameterValidationError: hyperparameter epochs: ...`. */
export function failureReason(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

export const ORPHAN_FAILURE_REASON = 'the local twin stopped while the job ran';

export const iso = (d: Date): string => d.toISOString();
export const dateOf = (s: string | null | undefined): Date | undefined => (s ? new Date(s) : undefined);
