/**
 * The model artifact: a directory with `model.json` (format, model configuration, the job's
 * hyperparameters) and `weights.bin` (all parameters, float64 little-endian, in the network's layout).
 * Encoding and decoding only; the runtime (runtime/model-files.ts) reads and writes the directory.
 */
import { ModelArtifactError } from './errors';
import { LIKELIHOOD_BY_NAME } from './likelihoods';
import { inputSize, type ModelConfig } from './model';
import { DeepARNetwork } from './network';
import type { TrainedModel } from './predictor';

export const ARTIFACT_FORMAT = 'deepar-ts/1';

export interface ArtifactManifest {
  format: typeof ARTIFACT_FORMAT;
  config: ModelConfig;
  hyperparameters: Record<string, string>;
  numParameters: number;
}

export function encodeModel(model: TrainedModel, hyperparameters: Record<string, string>): { manifest: ArtifactManifest; weights: Uint8Array } {
  const p = model.network.params;
  const weights = new Uint8Array(p.length * 8);
  const view = new DataView(weights.buffer);
  for (let i = 0; i < p.length; i++) view.setFloat64(i * 8, p[i], true);
  return { manifest: { format: ARTIFACT_FORMAT, config: model.config, hyperparameters, numParameters: p.length }, weights };
}

export function decodeModel(manifest: ArtifactManifest, weights: Uint8Array): TrainedModel {
  if (manifest.format !== ARTIFACT_FORMAT) throw new ModelArtifactError(`unsupported artifact format "${manifest.format}" (expected ${ARTIFACT_FORMAT})`);
  const c = manifest.config;
  const network = new DeepARNetwork({
    inputSize: inputSize(c),
    numCells: c.numCells,
    numLayers: c.numLayers,
    numOutputs: LIKELIHOOD_BY_NAME[c.likelihood].numParams,
    cardinalities: c.cardinalities,
    embeddingDimension: c.embeddingDimension,
    dropoutRate: c.dropoutRate,
  });
  if (weights.byteLength !== network.params.length * 8) {
    throw new ModelArtifactError(`weights.bin holds ${weights.byteLength / 8} parameters but the configuration needs ${network.params.length}`);
  }
  const view = new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
  for (let i = 0; i < network.params.length; i++) network.params[i] = view.getFloat64(i * 8, true);
  return { config: c, network };
}
