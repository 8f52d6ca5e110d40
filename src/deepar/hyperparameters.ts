/**
 * SageMaker DeepAR's hyperparameters: a string map with its names, defaults and validation.
 * Unknown names and bad values are rejected with a `HyperparameterValidationError` naming the parameter.
 */
import { HyperparameterValidationError } from './errors';
import { parseFrequency, type Frequency } from './frequency';

export const LIKELIHOODS = ['student-T', 'gaussian', 'negative-binomial', 'deterministic-L1'] as const;
export type LikelihoodName = (typeof LIKELIHOODS)[number];

export interface DeepARHyperparameters {
  timeFreq: Frequency;
  contextLength: number;
  predictionLength: number;
  epochs: number;
  numCells: number;
  numLayers: number;
  likelihood: LikelihoodName;
  learningRate: number;
  miniBatchSize: number;
  dropoutRate: number;
  earlyStoppingPatience: number | undefined;
  numEvalSamples: number;
  testQuantiles: number[];
  embeddingDimension: number;
  /** 'auto' (infer from the data), 'ignore', or one cardinality per `cat` entry. */
  cardinality: 'auto' | 'ignore' | number[];
  /** 'auto' (infer from the data), 'ignore', or the number of `dynamic_feat` series. */
  numDynamicFeat: 'auto' | 'ignore' | number;
}

/** SageMaker's defaults for the optional hyperparameters, as strings. */
export const HYPERPARAMETER_DEFAULTS: Readonly<Record<string, string>> = {
  num_cells: '40',
  num_layers: '2',
  likelihood: 'student-T',
  learning_rate: '0.001',
  mini_batch_size: '128',
  dropout_rate: '0.1',
  num_eval_samples: '100',
  test_quantiles: '[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]',
  embedding_dimension: '10',
  cardinality: 'auto',
  num_dynamic_feat: 'auto',
};

const REQUIRED = ['time_freq', 'context_length', 'prediction_length', 'epochs'] as const;

/**
 * SageMaker documents no upper bound for context_length and prediction_length ("Positive integer"; its tuning
 * page recommends context_length 1..200). The twin trains on one machine and every training window unrolls
 * context_length + prediction_length steps, so it refuses more than this (test/fixtures/aws/deepar-hyperparameters.json).
 */
export const MAX_CONTEXT_LENGTH = 1000;
export const MAX_PREDICTION_LENGTH = 1000;

/** An integer hyperparameter is written in decimal digits only: "0x10", "1e3", " 5" and "5.0" are refused, not reinterpreted. */
const DECIMAL_INTEGER = /^\d+$/;
/** A real hyperparameter: a decimal number with an optional exponent ("0.001", "1e-3"), nothing else (no hex, no spaces). */
const DECIMAL_REAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const KNOWN = new Set<string>([...REQUIRED, ...Object.keys(HYPERPARAMETER_DEFAULTS), 'early_stopping_patience']);

/** Validates SageMaker's string map and returns typed hyperparameters. */
export function parseHyperparameters(raw: Readonly<Record<string, unknown>>): DeepARHyperparameters {
  for (const name of Object.keys(raw)) {
    if (!KNOWN.has(name)) throw new HyperparameterValidationError(name, `unknown hyperparameter (known: ${[...KNOWN].join(', ')})`);
    const v = raw[name];
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw new HyperparameterValidationError(name, `must be a string, got ${JSON.stringify(v)}`);
    }
  }
  for (const name of REQUIRED) {
    if (raw[name] === undefined || String(raw[name]).trim() === '') {
      throw new HyperparameterValidationError(name, 'is required');
    }
  }
  // Not trimmed: a value is passed on to SageMaker as it is, so it is checked as it is.
  const get = (name: string): string => String(raw[name] ?? HYPERPARAMETER_DEFAULTS[name]);

  let timeFreq: Frequency;
  try {
    timeFreq = parseFrequency(get('time_freq'));
  } catch (e) {
    throw new HyperparameterValidationError('time_freq', (e as Error).message);
  }
  const likelihood = get('likelihood');
  if (!(LIKELIHOODS as readonly string[]).includes(likelihood)) {
    throw new HyperparameterValidationError('likelihood', `must be one of ${LIKELIHOODS.join(', ')}, got "${likelihood}"`);
  }
  const esp = raw.early_stopping_patience;
  return {
    timeFreq,
    contextLength: integer('context_length', get('context_length'), 1, MAX_CONTEXT_LENGTH, BEYOND_WINDOW),
    predictionLength: integer('prediction_length', get('prediction_length'), 1, MAX_PREDICTION_LENGTH, BEYOND_WINDOW),
    epochs: integer('epochs', get('epochs'), 1, 1000000),
    numCells: integer('num_cells', get('num_cells'), 1, 200),
    numLayers: integer('num_layers', get('num_layers'), 1, 8),
    likelihood: likelihood as LikelihoodName,
    learningRate: real('learning_rate', get('learning_rate'), 1e-6, 1, false),
    miniBatchSize: integer('mini_batch_size', get('mini_batch_size'), 1, 1028),
    dropoutRate: real('dropout_rate', get('dropout_rate'), 0, 1, true),
    earlyStoppingPatience: esp === undefined ? undefined : integer('early_stopping_patience', String(esp), 1, 1000000),
    numEvalSamples: integer('num_eval_samples', get('num_eval_samples'), 1, 100000),
    testQuantiles: quantiles('test_quantiles', get('test_quantiles')),
    embeddingDimension: integer('embedding_dimension', get('embedding_dimension'), 1, 1000),
    cardinality: cardinality(get('cardinality')),
    numDynamicFeat: numDynamicFeat(get('num_dynamic_feat')),
  };
}

const BEYOND_WINDOW = 'each training window unrolls context_length + prediction_length steps on one machine; SageMaker documents no upper bound and its tuning page recommends context_length up to 200';

function integer(name: string, s: string, min: number, max: number, why?: string): number {
  if (!DECIMAL_INTEGER.test(s)) throw new HyperparameterValidationError(name, `must be an integer written in decimal digits (e.g. 60), got "${s}"`);
  const n = Number(s);
  if (n < min || n > max) throw new HyperparameterValidationError(name, `must be between ${min} and ${max}, got ${n}${why ? ` (${why})` : ''}`);
  return n;
}

function real(name: string, s: string, min: number, max: number, maxExclusive: boolean): number {
  const n = DECIMAL_REAL.test(s) ? Number(s) : NaN;
  if (!Number.isFinite(n)) throw new HyperparameterValidationError(name, `must be a decimal number (e.g. 0.001 or 1e-3), got "${s}"`);
  if (n < min || n > max || (maxExclusive && n === max)) {
    throw new HyperparameterValidationError(name, `must be in [${min}, ${max}${maxExclusive ? ')' : ']'}, got ${n}`);
  }
  return n;
}

function jsonArray(name: string, s: string): unknown[] {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    throw new HyperparameterValidationError(name, `must be a JSON list such as [1, 2], got "${s}"`);
  }
  if (!Array.isArray(v) || v.length === 0) throw new HyperparameterValidationError(name, `must be a non-empty list, got "${s}"`);
  return v;
}

function quantiles(name: string, s: string): number[] {
  const v = jsonArray(name, s);
  return v.map((q) => {
    if (typeof q !== 'number' || !(q > 0 && q < 1)) {
      throw new HyperparameterValidationError(name, `each quantile must be a number in (0, 1), got ${JSON.stringify(q)}`);
    }
    return q;
  });
}

function cardinality(s: string): DeepARHyperparameters['cardinality'] {
  if (s === 'auto' || s === 'ignore') return s;
  return jsonArray('cardinality', s).map((c) => {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 1) {
      throw new HyperparameterValidationError('cardinality', `each entry must be a positive integer, got ${JSON.stringify(c)}`);
    }
    return c;
  });
}

function numDynamicFeat(s: string): DeepARHyperparameters['numDynamicFeat'] {
  if (s === 'auto' || s === 'ignore') return s;
  return integer('num_dynamic_feat', s, 0, 10000);
}
