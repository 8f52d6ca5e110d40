import { DEFAULT_PARAMETERS, parseRunConfig } from '../../../src/core/run-config';

const PATH = '/btc-fee-deepar/dev';

describe('Function: parseRunConfig, monitoring parameters', () => {
  it('reads the monitoring windows, criterion and skill limit', () => {
    const config = parseRunConfig({ ...DEFAULT_PARAMETERS, monitoringWindows: '6', monitoringCriterion: 'skill', maxSkill: '0.9' }, PATH);
    expect(config).toMatchObject({ monitoringWindows: 6, monitoringCriterion: 'skill', maxSkill: 0.9 });
  });

  it('judges by skill by default, with max skill 1 and the approved loss × 1', () => {
    expect(parseRunConfig(DEFAULT_PARAMETERS, PATH)).toMatchObject({ monitoringCriterion: 'skill', maxSkill: 1, approvedLossFactor: 1 });
    expect(parseRunConfig({ ...DEFAULT_PARAMETERS, approvedLossFactor: '0' }, PATH)).toMatchObject({ approvedLossFactor: 0 });
  });

  it.each([
    ['monitoringWindows', '-4', `parameter ${PATH}/monitoring/windows is "-4", expected a whole number of windows from 1 to 48`],
    ['monitoringWindows', '0', `parameter ${PATH}/monitoring/windows is "0", expected a whole number of windows from 1 to 48`],
    ['monitoringWindows', '2.5', `parameter ${PATH}/monitoring/windows is "2.5", expected a whole number of windows from 1 to 48`],
    ['monitoringWindows', '49', `parameter ${PATH}/monitoring/windows is "49", expected a whole number of windows from 1 to 48`],
    ['monitoringCriterion', 'Skill', `parameter ${PATH}/monitoring/criterion is "Skill", expected one of absolute, skill`],
    ['monitoringCriterion', '', `parameter ${PATH}/monitoring/criterion is "", expected one of absolute, skill`],
    ['maxSkill', '-1', `parameter ${PATH}/monitoring/max-skill is "-1", expected a positive ratio of losses`],
    ['approvedLossFactor', '-0.5', `parameter ${PATH}/monitoring/approved-loss-factor is "-0.5", expected a factor of 0 or more (0: skill alone)`],
    ['approvedLossFactor', 'one', `parameter ${PATH}/monitoring/approved-loss-factor is "one", expected a factor of 0 or more (0: skill alone)`],
  ] as const)('refuses %s = %j, naming the parameter', (key, value, message) => {
    expect(() => parseRunConfig({ ...DEFAULT_PARAMETERS, [key]: value }, PATH)).toThrow(expect.objectContaining({ name: 'ValidationError', message, details: { field: key } }));
  });
});
