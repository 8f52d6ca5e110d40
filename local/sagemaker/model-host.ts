/**
 * Where the local SageMaker's models come to life, for endpoints and batch transform alike: a model's
 * model.tar.gz is unpacked once (into `<workDir>/models/<name>-<creation time>/`, kept across restarts)
 * and loaded once per host; concurrent callers share the load.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extract } from 'tar';
import { ModelArtifactError, type DeepARPredictor } from '../../src/deepar';
import type { ServiceContext } from './context';

/** Loads an unpacked model directory (default `loadPredictor`); tests inject a slow or failing one. */
export type ModelLoader = (modelDir: string) => DeepARPredictor | Promise<DeepARPredictor>;

/** Which model: a model deleted and created again under its name is another model. */
export interface HostedModel {
  name: string;
  arn: string;
  modelDataUrl: string;
  /** Epoch milliseconds. */
  creationTime: number;
}

export const hostedModelKey = (m: Pick<HostedModel, 'arn' | 'creationTime'>): string => `${m.arn}@${m.creationTime}`;

export class ModelHost {
  /** Loaded models by `hostedModelKey`. */
  private readonly predictors = new Map<string, Promise<DeepARPredictor>>();

  constructor(
    private readonly ctx: Pick<ServiceContext, 'objectStore' | 'workDir'>,
    /** Read by the endpoint runtime: DeepAR's own loader means worker threads can load the same files. */
    readonly loader: ModelLoader,
  ) {}

  /** The model's unpacked directory (unpacked now if it is not yet), for loaders in other threads. */
  async unpacked(model: HostedModel): Promise<string> {
    await Promise.resolve(); // callers (CreateEndpoint) answer before the unpack starts
    return this.unpack(model);
  }

  /** The model's predictor: unpacked if it is not yet, loaded if it is not yet. A failed load is not kept. */
  load(model: HostedModel): Promise<DeepARPredictor> {
    const key = hostedModelKey(model);
    let loading = this.predictors.get(key);
    if (!loading) {
      loading = (async () => {
        await Promise.resolve(); // callers (CreateEndpoint, CreateTransformJob) answer before the load starts
        return this.loader(this.unpack(model));
      })();
      loading.catch(() => this.predictors.delete(key));
      this.predictors.set(key, loading);
    }
    return loading;
  }

  /** Forgets a loaded model (callers holding its predictor finish with it). */
  release(key: string): void {
    this.predictors.delete(key);
  }

  /**
   * Synchronously: a model.tar.gz is small, and an asynchronous unpack needs many turns of an event loop
   * that a stream of invocations keeps busy (measured: 17 s instead of a few ms under 32 connections).
   */
  private unpack(model: HostedModel): string {
    const dir = join(this.ctx.workDir, 'models', `${model.name.toLowerCase()}-${model.creationTime}`);
    if (existsSync(join(dir, '.unpacked'))) return dir;
    rmSync(dir, { recursive: true, force: true });
    try {
      mkdirSync(dir, { recursive: true });
      extract({ file: this.ctx.objectStore.pathOf(model.modelDataUrl), cwd: dir, sync: true });
    } catch (e) {
      throw new ModelArtifactError(`cannot unpack the model data ${model.modelDataUrl} of model ${model.name}: ${(e as Error).message}`, { cause: e });
    }
    writeFileSync(join(dir, '.unpacked'), model.modelDataUrl);
    return dir;
  }
}
