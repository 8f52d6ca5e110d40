/**
 * Inference in SageMaker DeepAR's formats.
 * - Batch transform: JSON Lines in, one JSON line out per line in the same order; configuration from
 *   DEEPAR_INFERENCE_CONFIG, e.g. {"num_samples": 100, "output_types": ["mean", "quantiles"], "quantiles": ["0.1", "0.9"]}.
 * - Endpoint: {"instances": [...], "configuration": {...}} in, {"predictions": [...]} out.
 * Each prediction covers the prediction_length points right after the instance's last target value:
 *   {"mean": [...], "quantiles": {"0.1": [...], ...}, "samples": [[...], ...]} (keys as requested).
 */
import { DataValidationError, InferenceConfigError } from './errors';
import { parseRecord } from './jsonlines';
import type { SeriesInput } from './model';
import type { DeepARPredictor } from './predictor';
import { Rng } from './rng';

export const OUTPUT_TYPES = ['mean', 'quantiles', 'samples'] as const;
export type OutputType = (typeof OUTPUT_TYPES)[number];

export interface InferenceConfig {
  numSamples: number;
  outputTypes: OutputType[];
  /** As given (strings are the output's keys). */
  quantiles: string[];
}

export const DEFAULT_INFERENCE_CONFIG: InferenceConfig = {
  numSamples: 100,
  outputTypes: ['mean', 'quantiles'],
  quantiles: ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9'],
};

export interface Prediction {
  mean?: number[];
  quantiles?: Record<string, number[]>;
  samples?: number[][];
}

/** Validates a configuration object or its JSON text (DEEPAR_INFERENCE_CONFIG); absent fields take defaults. */
export function parseInferenceConfig(raw: unknown): InferenceConfig {
  if (raw === undefined || raw === null || raw === '') return { ...DEFAULT_INFERENCE_CONFIG };
  let o: unknown = raw;
  if (typeof raw === 'string') {
    try {
      o = JSON.parse(raw);
    } catch {
      throw new InferenceConfigError('DEEPAR_INFERENCE_CONFIG', `is not valid JSON: ${raw}`);
    }
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InferenceConfigError('configuration', 'must be a JSON object');
  const c = o as Record<string, unknown>;
  for (const k of Object.keys(c)) {
    if (!['num_samples', 'output_types', 'quantiles'].includes(k)) throw new InferenceConfigError(k, 'unknown field');
  }
  const out = { ...DEFAULT_INFERENCE_CONFIG };
  if (c.num_samples !== undefined) {
    const n = Number(c.num_samples);
    if (!Number.isInteger(n) || n < 1) throw new InferenceConfigError('num_samples', `must be a positive integer, got ${JSON.stringify(c.num_samples)}`);
    out.numSamples = n;
  }
  if (c.output_types !== undefined) {
    if (!Array.isArray(c.output_types) || c.output_types.length === 0) throw new InferenceConfigError('output_types', 'must be a non-empty list');
    out.outputTypes = c.output_types.map((t) => {
      if (!(OUTPUT_TYPES as readonly unknown[]).includes(t)) throw new InferenceConfigError('output_types', `must hold "mean", "quantiles" or "samples", got ${JSON.stringify(t)}`);
      return t as OutputType;
    });
  }
  if (c.quantiles !== undefined) {
    if (!Array.isArray(c.quantiles) || c.quantiles.length === 0) throw new InferenceConfigError('quantiles', 'must be a non-empty list of strings such as "0.5"');
    out.quantiles = c.quantiles.map((q) => {
      const v = typeof q === 'string' ? Number(q) : NaN;
      if (typeof q !== 'string' || !(v > 0 && v < 1)) throw new InferenceConfigError('quantiles', `each quantile must be a string holding a number in (0, 1), got ${JSON.stringify(q)}`);
      return q;
    });
  }
  return out;
}

/** Forecasts one instance (a decoded JSON object) in SageMaker's output shape; `where` locates it in errors. */
export function predictInstance(
  predictor: DeepARPredictor, instance: unknown, config: InferenceConfig, rng: Rng, where: { line?: number; instance?: number } = {},
): Prediction {
  const series = checkInstance(predictor, instance, where);
  return toPrediction(predictor, predictor.sample(series, config.numSamples, rng), config);
}

/** One instance decoded and checked against what the model was trained with; `where` locates it in errors. */
function checkInstance(predictor: DeepARPredictor, instance: unknown, where: { line?: number; instance?: number }): SeriesInput {
  const r = parseRecord(instance, where.line, undefined, { instance: where.instance });
  const c = predictor.model.config;
  const P = c.predictionLength;
  if (c.cardinalities.length > 0 && r.cat?.length !== c.cardinalities.length) {
    throw new DataValidationError(`the model was trained with ${c.cardinalities.length} "cat" values per series`, { ...where, field: 'cat' });
  }
  if (c.numDynamicFeat > 0) {
    const d = r.dynamicFeat ?? [];
    if (d.length !== c.numDynamicFeat || d.some((f) => f.length !== r.target.length + P)) {
      throw new DataValidationError(`the model needs ${c.numDynamicFeat} dynamic_feat series of length len(target) + prediction_length = ${r.target.length + P}`, { ...where, field: 'dynamic_feat' });
    }
  }
  return { startMs: r.startMs, target: r.target, cat: r.cat, dynamicFeat: r.dynamicFeat };
}

/** Sample paths (shape [numSamples, predictionLength]) summarized as the configuration asks. */
function toPrediction(predictor: DeepARPredictor, samples: Float64Array, config: InferenceConfig): Prediction {
  const S = config.numSamples;
  const P = predictor.model.config.predictionLength;
  const levels = config.quantiles.map(Number);
  const { mean, quantiles } = predictor.summarize(samples, S, levels);
  const out: Prediction = {};
  for (const t of config.outputTypes) {
    if (t === 'mean') out.mean = mean;
    if (t === 'quantiles') out.quantiles = Object.fromEntries(config.quantiles.map((q, i) => [q, quantiles.get(levels[i])!]));
    if (t === 'samples') out.samples = Array.from({ length: S }, (_, k) => Array.from(samples.subarray(k * P, (k + 1) * P)));
  }
  return out;
}

/** Batch transform: one output line per input line (blank lines are kept as blank lines). */
export function batchTransform(predictor: DeepARPredictor, input: string, inferenceConfig?: string, seed = 0): string {
  const config = parseInferenceConfig(inferenceConfig);
  const rng = new Rng(seed);
  const lines = input.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines
    .map((text, i) => {
      if (text.trim() === '') return '';
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw new DataValidationError(`invalid JSON (${(e as Error).message})`, { line: i + 1 });
      }
      return JSON.stringify(predictInstance(predictor, value, config, rng, { line: i + 1 }));
    })
    .join('\n') + '\n';
}

/** Endpoint invocation: {"instances": [...], "configuration": {...}} → {"predictions": [...]}. */
export function endpointPredict(predictor: DeepARPredictor, body: unknown, seed = 0): { predictions: Prediction[] } {
  const { config, series } = checkRequest(predictor, body);
  const rng = new Rng(seed);
  return { predictions: series.map((s) => toPrediction(predictor, predictor.sample(s, config.numSamples, rng), config)) };
}

/** One invocation of a batch: its body, and the seed of its random draws. */
export interface EndpointRequest {
  body: unknown;
  seed: number;
}

/** One invocation's own outcome: its predictions, or the error that refused it. */
export type EndpointAnswer = { predictions: Prediction[] } | { error: unknown };

/**
 * Several invocations answered together (an endpoint's dynamic batch), one answer per request in order. Each
 * request is checked on its own, so a bad instance or configuration refuses its own request only.
 *
 * A request's answer is exactly the one it gets alone (endpointPredict): it draws from its own Rng(seed), its
 * instances in order. So the batch is sampled in rounds: round i forecasts the i-th instance of every request
 * that has one, as one `sampleBatch` per num_samples, each series drawing from its own request's Rng (which
 * sampleBatch consumes exactly as `sample` alone would). Concurrent single-instance requests, the common case,
 * are one round: one pass of the network over all of them.
 */
export function endpointPredictBatch(predictor: DeepARPredictor, requests: readonly EndpointRequest[]): EndpointAnswer[] {
  type Pending = { config: InferenceConfig; series: SeriesInput[]; rng: Rng; samples: Float64Array[]; index: number };
  const answers: EndpointAnswer[] = new Array(requests.length);
  const pending: Pending[] = [];
  requests.forEach(({ body, seed }, index) => {
    try {
      pending.push({ ...checkRequest(predictor, body), rng: new Rng(seed), samples: [], index });
    } catch (error) {
      answers[index] = { error };
    }
  });
  /** A batch that failed (a fault, not a bad body: those were refused above): its requests answered alone, from their first draw. */
  const alone = (p: Pending): void => {
    try {
      answers[p.index] = endpointPredict(predictor, requests[p.index].body, requests[p.index].seed);
    } catch (error) {
      answers[p.index] = { error };
    }
  };
  const rounds = Math.max(0, ...pending.map((p) => p.series.length));
  let live = pending;
  for (let i = 0; i < rounds; i++) {
    const failed = new Set<Pending>();
    for (const group of groupBy(live.filter((p) => i < p.series.length), (p) => p.config.numSamples)) {
      try {
        const drawn = predictor.sampleBatch(group.map((p) => p.series[i]), group[0].config.numSamples, group.map((p) => p.rng));
        group.forEach((p, k) => p.samples.push(drawn[k]));
      } catch {
        group.forEach((p) => failed.add(p));
      }
    }
    failed.forEach(alone);
    live = live.filter((p) => !failed.has(p));
  }
  for (const p of live) answers[p.index] = { predictions: p.samples.map((samples) => toPrediction(predictor, samples, p.config)) };
  return answers;
}

function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): T[][] {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return [...groups.values()];
}

/** An invocation body decoded: its configuration and its instances as series (errors name `instances[i]`). */
function checkRequest(predictor: DeepARPredictor, body: unknown): { config: InferenceConfig; series: SeriesInput[] } {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { instances?: unknown }).instances)) {
    throw new DataValidationError('the request must be a JSON object with an "instances" list', { field: 'instances' });
  }
  const { instances, configuration } = body as { instances: unknown[]; configuration?: unknown };
  const config = parseInferenceConfig(configuration);
  return { config, series: instances.map((inst, i) => checkInstance(predictor, inst, { instance: i })) };
}
