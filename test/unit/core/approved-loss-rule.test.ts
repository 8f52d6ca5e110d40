import { approvedLossOf, decideRetraining, holdsApprovedLoss, isBreach, type Check } from '../../../src/core/monitoring-policy';

const T = Date.parse('2025-04-01T00:00:00Z');
const at = (h: number) => new Date(T + h * 3_600_000).toISOString();
/** A check judged by skill (max skill 1): loss, naive's loss, and the loss the model was approved at. */
const bySkill = (h: number, loss: number, naiveLoss: number, approved?: { approvedLoss?: number; approvedLossFactor?: number }): Check => ({
  at: at(h), stage: 'production', outcome: 'measured', loss, threshold: 0.3, criterion: 'skill', naiveLoss, skill: loss / naiveLoss, maxSkill: 1, ...approved,
});

describe('Function: isBreach, criterion skill with the loss the model was approved at', () => {
  it.each([
    // loss, naive, approved, factor, breach: hand-computed
    [0.12, 0.1, 0.15, 1, false, 'skill 1.2 lost, but 0.12 <= 0.15 × 1: as good as it was approved at (a calm stretch where naive shines)'],
    [0.18, 0.1, 0.15, 1, true, 'skill 1.8 lost and 0.18 > 0.15 × 1: worse than approved'],
    [0.18, 0.1, 0.15, 1.25, false, '0.18 <= 0.15 × 1.25 = 0.1875'],
    [0.19, 0.1, 0.15, 1.25, true, '0.19 > 0.1875'],
    [0.15, 0.1, 0.15, 1, false, 'at the approved loss exactly: holds'],
    [0.12, 0.1, 0.15, 0, true, 'factor 0: the comparison is off, skill alone (1.2 > 1) breaches'],
    [0.08, 0.1, 0.05, 1, false, 'skill 0.8 held: no breach whatever the approved loss'],
  ])('loss %p, naive %p, approved %p × %p: breach %p (%s)', (loss, naive, approvedLoss, approvedLossFactor, breach) => {
    expect(isBreach(bySkill(1, loss, naive, { approvedLoss, approvedLossFactor }))).toBe(breach);
  });

  it('judges by skill alone when the approved loss is unknown (a model the registry does not know)', () => {
    expect(isBreach(bySkill(1, 0.12, 0.1, { approvedLossFactor: 1 }))).toBe(true);
    expect(holdsApprovedLoss({ loss: 0.12, approvedLossFactor: 1 })).toBe(false);
  });

  it('leaves the absolute rule as the seed had it: the approved loss plays no part', () => {
    const absolute: Check = { at: at(1), stage: 'production', outcome: 'measured', loss: 0.35, threshold: 0.3, criterion: 'absolute', approvedLoss: 0.5, approvedLossFactor: 1 };
    expect(isBreach(absolute)).toBe(true);
  });

  it('says in the retraining reason that the loss was also over the approved loss', () => {
    const history = [1, 2, 3].map((h) => bySkill(h, 0.3, 0.2, { approvedLoss: 0.2, approvedLossFactor: 1 }));
    expect(decideRetraining(history, { breachesBeforeRetraining: 3, cooldownHours: 6 }, { now: new Date(T + 10 * 3_600_000), trainingRunning: false })).toMatchObject({
      retrain: true,
      reason: "3 consecutive checks of production with skill (loss / seasonal naive's) over 1 and loss over 1 × the loss the model was approved at",
    });
  });

  it('a model back to its approved loss breaks the run of breaches', () => {
    const history = [bySkill(1, 0.3, 0.2, { approvedLoss: 0.2, approvedLossFactor: 1 }), bySkill(2, 0.19, 0.1, { approvedLoss: 0.2, approvedLossFactor: 1 }), bySkill(3, 0.3, 0.2, { approvedLoss: 0.2, approvedLossFactor: 1 })];
    expect(decideRetraining(history, { breachesBeforeRetraining: 2, cooldownHours: 6 }, { now: new Date(T + 10 * 3_600_000), trainingRunning: false })).toMatchObject({ retrain: false, consecutiveBreaches: 1 });
  });
});

describe('Function: approvedLossOf', () => {
  it.each([
    [{ meanWQuantileLoss: '0.1391' }, 0.1391],
    [{ meanWQuantileLoss: '1.5e-1' }, 0.15],
    [{ meanWQuantileLoss: '' }, undefined],
    [{ meanWQuantileLoss: 'NaN' }, undefined],
    [{ meanWQuantileLoss: '-0.1' }, undefined],
    [{ trainingJob: 'job-1' }, undefined],
    [undefined, undefined],
  ])('reads %j as %p', (metadata, expected) => {
    expect(approvedLossOf(metadata)).toBe(expected);
  });
});
