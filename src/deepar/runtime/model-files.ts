/**
 * A model directory on disk: `model.json` and `weights.bin`, in the artifact format of ../artifact.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ArtifactManifest, decodeModel, encodeModel } from '../artifact';
import { ModelArtifactError } from '../errors';
import { DeepARPredictor, type TrainedModel } from '../predictor';

export function saveModel(modelDir: string, model: TrainedModel, hyperparameters: Record<string, string>): void {
  const { manifest, weights } = encodeModel(model, hyperparameters);
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, 'model.json'), JSON.stringify(manifest, null, 1));
  writeFileSync(join(modelDir, 'weights.bin'), weights);
}

export function loadModel(modelDir: string): TrainedModel & { hyperparameters: Record<string, string> } {
  let manifest: ArtifactManifest;
  let weights: Uint8Array;
  try {
    manifest = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as ArtifactManifest;
    weights = readFileSync(join(modelDir, 'weights.bin'));
  } catch (e) {
    throw new ModelArtifactError(`cannot read a DeepAR model from ${modelDir}: ${(e as Error).message}`, { cause: e });
  }
  return { ...decodeModel(manifest, weights), hyperparameters: manifest.hyperparameters };
}

/** Loads a model directory and returns a predictor for batch transform and endpoint use. */
export function loadPredictor(modelDir: string): DeepARPredictor {
  return new DeepARPredictor(loadModel(modelDir));
}
