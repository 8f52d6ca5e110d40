/** A twin with real history in its feature store and a pipeline over it, for state machine tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMempoolHistory } from '../../local/ingestion/mempool-history';
import { IngestionReplay } from '../../local/ingestion/replay';
import { createPipeline, type Pipeline, type PipelineOptions } from '../../local/pipeline';
import { provision } from '../../local/recovery';
import { openTwin, type Twin } from '../../local/twin';
import type { HistoryEvent } from '../../local/executor/execution-store';

/** Small enough to train in a few seconds, real enough to forecast. */
export const TINY_HYPERPARAMETERS = {
  time_freq: '1min',
  context_length: '60',
  prediction_length: '30',
  epochs: '1',
  num_cells: '8',
  num_layers: '1',
  mini_batch_size: '8',
  num_eval_samples: '50',
};

export interface PipelineFixture {
  twin: Twin;
  pipeline: Pipeline;
  /** The twin clock's "now": the end of the backfilled history. */
  asOf: Date;
  setParameter(key: string, value: string): Promise<void>;
  /** The twin clock the pipeline reads: tests move it. */
  clock: { now(): Date; set(time: Date): void };
  /** Ingests the real history up to `time`, as the live replay would have by then. */
  ingestUntil(time: Date): Promise<void>;
  dispose(): Promise<void>;
}

export async function aPipeline(options: PipelineOptions & { backfillDays?: number; hyperparameters?: Record<string, string>; evaluationWindows?: number } = {}): Promise<PipelineFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-pipeline-'));
  const twin = openTwin(dir);
  const replay = new IngestionReplay(twin.featureStore, loadMempoolHistory());
  const asOf = replay.startTime(options.backfillDays ?? 1);
  await replay.backfill(asOf);
  let current = asOf;
  const clock = { now: () => new Date(current), set: (time: Date) => void (current = time.getTime()) };
  const pipeline = await createPipeline(twin, { timeScale: 0, now: clock.now, ...options, sageMaker: { numBatchesPerEpoch: 5, ...options.sageMaker } });
  await provision(twin, pipeline);
  const setParameter = async (key: string, value: string) => {
    await twin.parameterStore.put(`${pipeline.settings.PARAMETER_PATH}/${key}`, value, { overwrite: true });
  };
  await setParameter('training/hyperparameters', JSON.stringify(options.hyperparameters ?? TINY_HYPERPARAMETERS));
  await setParameter('training/window-days', String(options.backfillDays ?? 1));
  // The default 48 windows (24 h) would leave one day of history nothing to train on; a few keep runs fast.
  await setParameter('evaluation/windows', String(options.evaluationWindows ?? 4));
  return {
    twin,
    pipeline,
    asOf: new Date(asOf),
    setParameter,
    clock,
    ingestUntil: async (time) => {
      await replay.backfill(time.getTime());
    },
    async dispose() {
      // Closing aborts what still runs (a deployment waiting days for its approvers).
      pipeline.close();
      twin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The states an execution entered, in order. */
export function statesVisited(history: HistoryEvent[]): string[] {
  return history.filter((e) => e.type === 'StateEntered').map((e) => e.stateName!);
}
