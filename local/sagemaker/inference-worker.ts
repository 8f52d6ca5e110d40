/**
 * Worker-thread entry of the endpoints' inference pool: keeps the models it was asked to load (by their
 * hosted-model key) and answers one invocation at a time, off the twin's event loop. Messages:
 *   { type: 'load', id, key, dir }                      -> { id } or { id, error }
 *   { type: 'release', key }                            (no answer)
 *   { type: 'predict', id, key, dir, keep, body, seed } -> { id, result } or { id, refused } or { id, error }
 * A predict for a model this worker has not loaded (a restarted worker, a released model still finishing its
 * requests) loads it from its directory; `keep` says whether to keep it afterwards.
 */
import { parentPort } from 'node:worker_threads';
import { endpointPredict, loadPredictor, type DeepARPredictor } from '../../src/deepar/runtime';
import { refusedBody } from './endpoint-request';

type Message =
  | { type: 'load'; id: number; key: string; dir: string }
  | { type: 'release'; key: string }
  | { type: 'predict'; id: number; key: string; dir: string; keep: boolean; body: unknown; seed: number };

const port = parentPort;
const models = new Map<string, DeepARPredictor>();

function predictorFor(key: string, dir: string, keep: boolean): DeepARPredictor {
  const loaded = models.get(key);
  if (loaded) return loaded;
  const predictor = loadPredictor(dir);
  if (keep) models.set(key, predictor);
  return predictor;
}

port?.on('message', (m: Message) => {
  if (m.type === 'release') {
    models.delete(m.key);
    return;
  }
  try {
    if (m.type === 'load') {
      predictorFor(m.key, m.dir, true);
      port.postMessage({ id: m.id });
      return;
    }
    const result = endpointPredict(predictorFor(m.key, m.dir, m.keep), m.body, m.seed);
    port.postMessage({ id: m.id, result });
  } catch (e) {
    const refused = refusedBody(e);
    if (refused) port.postMessage({ id: m.id, refused });
    else port.postMessage({ id: m.id, error: { name: (e as Error).name ?? 'Error', message: (e as Error).message ?? String(e) } });
  }
});
