import { HyperparameterValidationError } from '../../src/deepar/errors';
import { parseHyperparameters } from '../../src/deepar/hyperparameters';

const REQUIRED = { time_freq: '5min', context_length: '60', prediction_length: '30', epochs: '10' };

describe('Function: parseHyperparameters', () => {
  it("applies SageMaker's defaults", () => {
    // Act
    const hp = parseHyperparameters(REQUIRED);
    // Assess
    expect(hp).toMatchObject({
      contextLength: 60, predictionLength: 30, epochs: 10, numCells: 40, numLayers: 2, likelihood: 'student-T',
      learningRate: 0.001, miniBatchSize: 128, dropoutRate: 0.1, earlyStoppingPatience: undefined, numEvalSamples: 100,
      embeddingDimension: 10, cardinality: 'auto', numDynamicFeat: 'auto',
    });
    expect(hp.timeFreq).toEqual({ unit: 'min', multiple: 5, text: '5min' });
    expect(hp.testQuantiles).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
  });

  it('parses every optional parameter', () => {
    const hp = parseHyperparameters({
      ...REQUIRED, num_cells: '30', num_layers: '3', likelihood: 'negative-binomial', learning_rate: '1e-2', mini_batch_size: '32',
      dropout_rate: '0', early_stopping_patience: '5', num_eval_samples: '50', test_quantiles: '[0.5, 0.9]',
      embedding_dimension: '4', cardinality: '[3, 7]', num_dynamic_feat: '2',
    });
    expect(hp).toMatchObject({ numCells: 30, numLayers: 3, likelihood: 'negative-binomial', learningRate: 0.01, earlyStoppingPatience: 5, testQuantiles: [0.5, 0.9], cardinality: [3, 7], numDynamicFeat: 2 });
  });

  it.each(['1H', 'H', 'D', 'W', 'M', '15min', '2D'])('accepts time_freq %s', (f) => {
    expect(parseHyperparameters({ ...REQUIRED, time_freq: f }).timeFreq.text).toBe(f);
  });

  it.each([
    { name: 'epochs', value: 'abc' },
    { name: 'epochs', value: '0' },
    { name: 'likelihood', value: 'poisson' },
    { name: 'time_freq', value: '7s' },
    { name: 'time_freq', value: '0min' },
    { name: 'context_length', value: '1.5' },
    { name: 'learning_rate', value: 'fast' },
    { name: 'dropout_rate', value: '1' },
    { name: 'num_layers', value: '9' },
    { name: 'test_quantiles', value: '[0.5, 1.2]' },
    { name: 'test_quantiles', value: '0.5' },
    { name: 'cardinality', value: '[0]' },
    { name: 'num_dynamic_feat', value: 'some' },
    { name: 'early_stopping_patience', value: '-1' },
    { name: 'mini_batch_size', value: '' },
  ])('rejects $name = "$value" naming the parameter', ({ name, value }) => {
    // Act
    const act = () => parseHyperparameters({ ...REQUIRED, [name]: value });
    // Assess
    expect(act).toThrow(HyperparameterValidationError);
    try {
      act();
    } catch (e) {
      expect((e as HyperparameterValidationError).name).toBe('HyperparameterValidationError');
      expect((e as HyperparameterValidationError).parameter).toBe(name);
      expect((e as Error).message).toContain(name);
    }
  });

  it('rejects an unknown name and a missing required parameter', () => {
    expect(() => parseHyperparameters({ ...REQUIRED, num_cell: '40' })).toThrow(/hyperparameter num_cell: unknown/);
    const { epochs: _, ...noEpochs } = REQUIRED;
    expect(() => parseHyperparameters(noEpochs)).toThrow(/hyperparameter epochs: is required/);
  });
});
