/** The gate's parameters: their defaults, and a bad value refused naming the parameter. */
import { DEFAULT_PARAMETERS, parseRunConfig } from '../../../src/core/run-config';

const PATH = '/btc-fee-deepar/dev';

describe('Function: parseRunConfig, evaluation parameters', () => {
  it('defaults to the last 24 h as 48 windows and a 1% minimum improvement', () => {
    expect(parseRunConfig(DEFAULT_PARAMETERS, PATH)).toMatchObject({ evaluationWindows: 48, minImprovement: 0.01 });
  });

  it.each([
    ['evaluationWindows', '-1', 'evaluation/windows is "-1", expected a whole number of windows in [2, 1000]'],
    ['evaluationWindows', '0', 'evaluation/windows is "0"'],
    ['evaluationWindows', '1', 'evaluation/windows is "1"'],
    ['evaluationWindows', '2.5', 'evaluation/windows is "2.5"'],
    ['evaluationWindows', '1001', 'evaluation/windows is "1001"'],
    ['minImprovement', '-0.1', 'evaluation/min-improvement is "-0.1", expected a relative improvement in [0, 1)'],
    ['minImprovement', '1', 'evaluation/min-improvement is "1"'],
    ['minImprovement', 'some', 'evaluation/min-improvement is "some"'],
  ])('refuses %s = %s, naming the parameter', (key, value, message) => {
    expect(() => parseRunConfig({ ...DEFAULT_PARAMETERS, [key]: value }, PATH)).toThrow(`parameter ${PATH}/${message}`);
  });
});
