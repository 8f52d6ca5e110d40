/**
 * A degradation for monitoring to catch: a stage's endpoint switched, through the local SageMaker's own
 * API (CreateModel, CreateEndpointConfig, UpdateEndpoint), to a copy of the model it serves whose weights
 * are garbled: the head's location bias is shifted, so the model forecasts several times the fee's level.
 * It still answers (a model that fails to answer is an endpoint error, not a loss of accuracy).
 * Used by the degradation scenario (test/statemachines) and the monitoring replay (bench/).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar';
import { ARTIFACT_FORMAT, type ArtifactManifest } from '../../src/deepar/artifact';
import { LIKELIHOOD_BY_NAME } from '../../src/deepar/likelihoods';
import { packDirectory } from '../../local/sagemaker/objects';
import type { Pipeline } from '../../local/pipeline';
import type { Twin } from '../../local/twin';

/** Raw head output of the location, by likelihood: Student's t emits (df, loc, scale), Gaussian (mu, sigma). */
const LOCATION_OUTPUT: Record<string, number> = { 'student-T': 1, gaussian: 0 };
/** Added to the location's bias (in units of the series' scale): forecasts land about this many levels too high. */
export const LOCATION_SHIFT = 4;

/** The head's biases are the network's last parameters (src/deepar/network.ts: embeddings, LSTM layers, head weights, head biases). */
function headBiasOffset(manifest: ArtifactManifest, numOutputs: number): number {
  return manifest.numParameters - numOutputs;
}

/** Garbles a model directory in place: the location bias of the output head shifted by LOCATION_SHIFT. */
export function garbleModelDirectory(dir: string): void {
  const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ArtifactManifest;
  if (manifest.format !== ARTIFACT_FORMAT) throw new Error(`cannot garble a model of format ${manifest.format}`);
  const location = LOCATION_OUTPUT[manifest.config.likelihood];
  if (location === undefined) throw new Error(`cannot garble a model whose likelihood is ${manifest.config.likelihood}`);
  const numOutputs = LIKELIHOOD_BY_NAME[manifest.config.likelihood].numParams;
  const weights = readFileSync(join(dir, 'weights.bin'));
  const view = new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
  const at = (headBiasOffset(manifest, numOutputs) + location) * 8;
  view.setFloat64(at, view.getFloat64(at, true) + LOCATION_SHIFT, true);
  writeFileSync(join(dir, 'weights.bin'), weights);
}

/** Switches `endpointName` to a garbled copy of the model it serves; resolves once it serves it (InService). */
export async function deployBrokenModel(twin: Twin, pipeline: Pipeline, endpointName: string, suffix: string): Promise<string> {
  const sm = pipeline.sageMaker;
  const endpoint = await sm.describeEndpoint({ EndpointName: endpointName });
  const config = await sm.describeEndpointConfig({ EndpointConfigName: endpoint.EndpointConfigName! });
  const serving = await sm.describeModel({ ModelName: config.ProductionVariants![0].ModelName! });
  const modelDataUrl = serving.PrimaryContainer!.ModelDataUrl!;

  const dir = mkdtempSync(join(tmpdir(), 'broken-model-'));
  try {
    const unpacked = join(dir, 'model');
    mkdirSync(unpacked);
    await extract({ file: twin.objectStore.pathOf(modelDataUrl), cwd: unpacked });
    garbleModelDirectory(unpacked);
    const tarball = join(dir, 'model.tar.gz');
    await packDirectory(unpacked, tarball);
    const brokenUrl = modelDataUrl.replace(/model\.tar\.gz$/, `broken-${suffix}/model.tar.gz`);
    await twin.objectStore.put(brokenUrl, readFileSync(tarball));

    const name = `broken-${suffix}`;
    await sm.createModel({ ModelName: name, PrimaryContainer: { Image: serving.PrimaryContainer!.Image!, ModelDataUrl: brokenUrl }, ExecutionRoleArn: serving.ExecutionRoleArn! });
    await sm.createEndpointConfig({
      EndpointConfigName: name,
      ProductionVariants: [{ ...config.ProductionVariants![0], ModelName: name }],
    });
    await sm.updateEndpoint({ EndpointName: endpointName, EndpointConfigName: name });
    for (let i = 0; i < 600; i++) {
      const status = (await sm.describeEndpoint({ EndpointName: endpointName })).EndpointStatus;
      if (status === 'InService') return name;
      if (status === 'Failed') throw new Error(`endpoint ${endpointName} failed to take the broken model`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`endpoint ${endpointName} did not take the broken model within 30 s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
