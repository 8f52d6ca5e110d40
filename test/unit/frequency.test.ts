/** What people type for a grid frequency, normalised to SageMaker DeepAR's time_freq (hand-checked table). */
import { FrequencyError, normaliseFrequency } from '../../src/core/frequency';
import { parseFrequency, stepMinutes } from '../../src/deepar/frequency';
import timeFreq from '../fixtures/aws/deepar-time-freq.json';

const DOCUMENTED = new RegExp(timeFreq.timeFreqRule);

describe('Function: normaliseFrequency', () => {
  // input, SageMaker's time_freq, minutes per step (hand-computed; undefined for months)
  it.each([
    ['1h', '1H', 60],
    ['h', 'H', 60],
    ['H', 'H', 60],
    ['2H', '2H', 120],
    ['30min', '30min', 30],
    ['min', 'min', 1],
    ['1min', '1min', 1],
    ['T', 'min', 1],
    ['5T', '5min', 5],
    ['15T', '15min', 15],
    ['D', 'D', 1440],
    ['1D', '1D', 1440],
    ['1d', '1D', 1440],
    ['W', 'W', 10080],
    ['2W', '2W', 20160],
    ['M', 'M', undefined],
    ['ME', 'M', undefined],
    [' 5min ', '5min', 5],
    ['5 min', '5min', 5],
    ['05min', '5min', 5],
  ])('reads %j as time_freq %s (%s minutes a step)', (input, expected, minutes) => {
    // Act
    const f = normaliseFrequency(input);
    // Assess: SageMaker's documented spelling, and the model reads the same step
    expect(f.timeFreq).toBe(expected);
    expect(f.timeFreq).toMatch(DOCUMENTED);
    expect(stepMinutes(parseFrequency(f.timeFreq))).toBe(minutes);
  });

  it.each([
    ['7s', 'has the unit s, which is finer than DeepAR supports'],
    ['1S', 'has the unit S, which is finer than DeepAR supports'],
    ['5m', 'has the unit m, which is ambiguous: write min for minutes or M for months'],
    ['Y', "has the unit Y, which is not one of DeepAR\u2019s base frequencies"],
    ['1q', 'has the unit q, which neither DeepAR nor pandas knows'],
    ['hourly', 'has the unit hourly, which neither DeepAR nor pandas knows'],
    ['0h', 'has a count below 1'],
    ['-1h', 'is not a frequency'],
    ['1.5h', 'is not a whole count of one unit (e.g. write 90min for 1.5h)'],
    ['', 'is not a frequency'],
    ['5', 'is not a frequency'],
    ['99999999999999999999min', 'has a count below 1 (or too large)'],
  ])('refuses %j, saying why and listing the accepted forms', (input, why) => {
    // Act
    const act = () => normaliseFrequency(input, '--freq');
    // Assess
    expect(act).toThrow(FrequencyError);
    expect(act).toThrow(`--freq must be M, W, D, H or min with an optional count (SageMaker\u2019s names, e.g. 5min, 1H), or a pandas alias: 1h, h, H, 30min, min, T, 5T, D, 1D, W, ME; ${JSON.stringify(input)} ${why}`);
  });

  it('keeps the error name a contract', () => {
    expect(() => normaliseFrequency('x')).toThrow(expect.objectContaining({ name: 'FrequencyError' }));
  });
});
