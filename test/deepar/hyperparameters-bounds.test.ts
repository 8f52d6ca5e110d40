/**
 * The values SageMaker documents for DeepAR's integer hyperparameters, and the bounds the twin adds where it
 * documents none, read from test/fixtures/aws/deepar-hyperparameters.json.
 */
import fixture from '../fixtures/aws/deepar-hyperparameters.json';
import { HyperparameterValidationError } from '../../src/deepar/errors';
import { MAX_CONTEXT_LENGTH, MAX_PREDICTION_LENGTH, parseHyperparameters } from '../../src/deepar/hyperparameters';

const REQUIRED = { time_freq: '1min', context_length: '60', prediction_length: '30', epochs: '10' };

describe('Function: parseHyperparameters (documented values and the twin\'s bounds)', () => {
  it.each(fixture.integerSpelling.refused)('refuses the integer spelling %j, naming the parameter, instead of reinterpreting it', (value) => {
    // Act
    const act = () => parseHyperparameters({ ...REQUIRED, context_length: value });
    // Assess
    expect(act).toThrow(HyperparameterValidationError);
    expect(act).toThrow(value === '' ? 'hyperparameter context_length: is required' : `hyperparameter context_length: must be an integer written in decimal digits (e.g. 60), got "${value}"`);
  });

  it.each(fixture.integerSpelling.accepted)('accepts the decimal integer %j', (value) => {
    expect(parseHyperparameters({ ...REQUIRED, context_length: value }).contextLength).toBe(Number(value));
  });

  it('"0x10" is never read as 16, whichever integer parameter carries it', () => {
    for (const name of ['epochs', 'num_cells', 'mini_batch_size', 'num_eval_samples', 'early_stopping_patience', 'prediction_length']) {
      expect(() => parseHyperparameters({ ...REQUIRED, [name]: '0x10' })).toThrow(`hyperparameter ${name}: must be an integer written in decimal digits`);
    }
  });

  it.each([['learning_rate', '0x1'], ['dropout_rate', '0b0'], ['learning_rate', ' 0.01'], ['dropout_rate', 'Infinity']])('refuses the real %s = %j', (name, value) => {
    expect(() => parseHyperparameters({ ...REQUIRED, [name]: value })).toThrow(`hyperparameter ${name}: must be a decimal number (e.g. 0.001 or 1e-3), got "${value}"`);
  });

  it('keeps the documented real spellings: "1e-3" and "0.001"', () => {
    expect(parseHyperparameters({ ...REQUIRED, learning_rate: '1e-3' }).learningRate).toBe(0.001);
    expect(parseHyperparameters({ ...REQUIRED, learning_rate: '0.001' }).learningRate).toBe(0.001);
  });

  it('bounds context_length and prediction_length as the fixture documents, with the reason in the message', () => {
    expect(MAX_CONTEXT_LENGTH).toBe(fixture.twinBounds.context_length.max);
    expect(MAX_PREDICTION_LENGTH).toBe(fixture.twinBounds.prediction_length.max);
    expect(parseHyperparameters({ ...REQUIRED, context_length: String(MAX_CONTEXT_LENGTH) }).contextLength).toBe(MAX_CONTEXT_LENGTH);
    expect(() => parseHyperparameters({ ...REQUIRED, context_length: '10000' })).toThrow(
      /hyperparameter context_length: must be between 1 and 1000, got 10000 \(each training window unrolls context_length \+ prediction_length steps/,
    );
    expect(() => parseHyperparameters({ ...REQUIRED, prediction_length: String(MAX_PREDICTION_LENGTH + 1) })).toThrow('hyperparameter prediction_length: must be between 1 and 1000');
  });

  it('refuses 0 for the parameters SageMaker documents as positive integers', () => {
    for (const name of Object.keys(fixture.hyperparameters.documented).filter((n) => n !== 'time_freq')) {
      expect(() => parseHyperparameters({ ...REQUIRED, [name]: '0' })).toThrow(`hyperparameter ${name}: must be between 1`);
    }
  });
});
