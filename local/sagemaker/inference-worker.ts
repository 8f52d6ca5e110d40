/**
 * Worker-thread entry of the endpoints' inference pool: keeps the models it was asked to load (by their
 * hosted-model key) and answers one batch of invocations at a time, off the twin's event loop. Messages:
 *   { type: 'load', id, key, dir }                          -> { id } or { id, error }
 *   { type: 'release', key }                                (no answer)
 *   { type: 'predict', id, key, dir, keep, requests }       -> { id, answers, ms } or { id, error }
 * `requests` is a dynamic batch, [{ body, seed }, ...], all for the same model; `answers` holds one entry per
 * request, in order: { result }, { refused } (DeepAR refused the body: a 400 naming the field) or { error }.
 * One request's refusal never fails the others. A batch-wide `error` means the model itself could not load.
 * `ms` is the time the batch's inference took (not the model's load): what the pool bounds its queue's wait with.
 * A predict for a model this worker has not loaded (a restarted worker, a released model still finishing its
 * requests) loads it from its directory; `keep` says whether to keep it afterwards.
 */
import { parentPort } from 'node:worker_threads';
import { endpointPredictBatch, type EndpointAnswer, type EndpointRequest } from '../../src/deepar/inference';
import { loadPredictor, type DeepARPredictor } from '../../src/deepar/runtime';
import { refusedBody } from './endpoint-request';

type Message =
  | { type: 'load'; id: number; key: string; dir: string }
  | { type: 'release'; key: string }
  | { type: 'predict'; id: number; key: string; dir: string; keep: boolean; requests: EndpointRequest[] };

const port = parentPort;
const models = new Map<string, DeepARPredictor>();

function predictorFor(key: string, dir: string, keep: boolean): DeepARPredictor {
  const loaded = models.get(key);
  if (loaded) return loaded;
  const predictor = loadPredictor(dir);
  if (keep) models.set(key, predictor);
  return predictor;
}

/** An error as plain data (what crosses the thread boundary keeps its name and message). */
const plain = (e: unknown) => ({ name: (e as Error)?.name ?? 'Error', message: (e as Error)?.message ?? String(e) });

function toReply(answer: EndpointAnswer) {
  if (!('error' in answer)) return { result: answer };
  const refused = refusedBody(answer.error);
  return refused ? { refused } : { error: plain(answer.error) };
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
    const predictor = predictorFor(m.key, m.dir, m.keep);
    const started = performance.now();
    const answers = endpointPredictBatch(predictor, m.requests);
    port.postMessage({ id: m.id, answers: answers.map(toReply), ms: performance.now() - started });
  } catch (e) {
    port.postMessage({ id: m.id, error: plain(e) });
  }
});
