import { consecutiveBreaches, decideRetraining, isBreach, isStale, skillOf, type Check } from '../../../src/core/monitoring-policy';

const T = Date.parse('2025-04-01T00:00:00Z');
const at = (h: number) => new Date(T + h * 3_600_000).toISOString();
const measured = (h: number, loss: number, stage: Check['stage'] = 'production'): Check => ({ at: at(h), stage, outcome: 'measured', loss, threshold: 0.3 });
const policy = { breachesBeforeRetraining: 3, cooldownHours: 6 };
const context = { now: new Date(T + 10 * 3_600_000), trainingRunning: false };

describe('Function: decideRetraining', () => {
  it('does nothing while accuracy holds', () => {
    const history = [measured(1, 0.2), measured(2, 0.25), measured(3, 0.1)];
    expect(decideRetraining(history, policy, context)).toEqual({ retrain: false, consecutiveBreaches: 0, reason: 'accuracy holds: 0 of 3 consecutive breaches (production)' });
  });

  it('retrains after K consecutive breaches', () => {
    const history = [measured(1, 0.2), measured(2, 0.4), measured(3, 0.5), measured(4, 0.45)];
    expect(decideRetraining(history, policy, context)).toMatchObject({ retrain: true, stage: 'production', consecutiveBreaches: 3 });
  });

  it('does not retrain on K breaches that are not consecutive', () => {
    const history = [measured(1, 0.4), measured(2, 0.5), measured(3, 0.2), measured(4, 0.45)];
    expect(decideRetraining(history, policy, context)).toMatchObject({ retrain: false, consecutiveBreaches: 1 });
  });

  it('lets checks that measured nothing neither count nor break a run', () => {
    const history: Check[] = [measured(1, 0.4), { at: at(2), stage: 'production', outcome: 'stale-data' }, measured(3, 0.5), { at: at(4), stage: 'production', outcome: 'endpoint-error' }, measured(5, 0.6)];
    expect(consecutiveBreaches(history, 'production')).toBe(3);
  });

  it('counts each stage on its own', () => {
    const history = [measured(1, 0.4, 'staging'), measured(1, 0.1), measured(2, 0.4, 'staging'), measured(2, 0.1), measured(3, 0.4, 'staging'), measured(3, 0.1)];
    expect(consecutiveBreaches(history, 'production')).toBe(0);
    expect(decideRetraining(history, policy, context)).toMatchObject({ retrain: true, stage: 'staging' });
  });

  it('waits out the cool-down after the last training', () => {
    const history = [measured(7, 0.4), measured(8, 0.5), measured(9, 0.5)];
    const decision = decideRetraining(history, policy, { ...context, lastTrainingStart: new Date(T + 6 * 3_600_000) });
    expect(decision).toEqual({ retrain: false, consecutiveBreaches: 3, reason: '3 consecutive breaches on production, but the last training started 4.0 h ago (cool-down 6 h)' });
  });

  it('never starts a second training while one runs', () => {
    const history = [measured(1, 0.4), measured(2, 0.5), measured(3, 0.5)];
    expect(decideRetraining(history, policy, { ...context, trainingRunning: true })).toMatchObject({ retrain: false, reason: expect.stringContaining('already running') });
  });
});

describe('Function: isStale', () => {
  it('calls data stale when the latest minute is older than the allowed age, or missing', () => {
    const now = new Date(T);
    expect(isStale(new Date(T - 5 * 60_000), now, 10)).toBe(false);
    expect(isStale(new Date(T - 11 * 60_000), now, 10)).toBe(true);
    expect(isStale(undefined, now, 10)).toBe(true);
  });
});

describe('Function: isBreach under the skill criterion', () => {
  /** A check judged by skill: threshold 0.3, max skill 1 (a model no better than seasonal naive). */
  const bySkill = (h: number, loss: number, skill: number | undefined, stage: Check['stage'] = 'production'): Check => ({
    at: at(h), stage, outcome: 'measured', loss, threshold: 0.3, criterion: 'skill', maxSkill: 1, ...(skill === undefined ? {} : { skill }),
  });

  it('breaches when the model is worse than seasonal naive by more than the limit, whatever the loss', () => {
    expect(isBreach(bySkill(1, 0.4, 1.5))).toBe(true);
    expect(isBreach(bySkill(1, 0.1, 1.5))).toBe(true);
    // A volatile stretch: the loss is high, but naive lost as much: skill holds.
    expect(isBreach(bySkill(1, 0.9, 0.7))).toBe(false);
    // At the limit is not over it.
    expect(isBreach(bySkill(1, 0.4, 1))).toBe(false);
  });

  it('never breaches on a check without a skill (naive was perfect): the ratio says nothing', () => {
    expect(isBreach(bySkill(1, 0.9, undefined))).toBe(false);
  });

  it('keeps the seed rule for a check judged absolute or recorded before criteria existed', () => {
    expect(isBreach({ ...bySkill(1, 0.4, 0.5), criterion: 'absolute' })).toBe(true);
    const { criterion: _criterion, ...legacy } = bySkill(1, 0.4, 0.5);
    expect(isBreach(legacy)).toBe(true);
  });

  it('retrains after K consecutive losses of skill, naming the rule; a volatile hour in between resets the run', () => {
    expect(decideRetraining([bySkill(1, 0.5, 1.4), bySkill(2, 0.9, 0.8), bySkill(3, 0.5, 1.3), bySkill(4, 0.6, 1.2)], policy, context)).toMatchObject({ retrain: false, consecutiveBreaches: 2 });
    expect(decideRetraining([bySkill(1, 0.5, 1.4), bySkill(2, 0.5, 1.3), bySkill(3, 0.6, 1.2)], policy, context)).toEqual({
      retrain: true,
      stage: 'production',
      consecutiveBreaches: 3,
      reason: "3 consecutive checks of production with skill (loss / seasonal naive's) over 1",
    });
  });
});

describe('Function: skillOf', () => {
  it('is the loss over naive loss, undefined when naive lost nothing or is not a number', () => {
    expect(skillOf(0.5, 2 / 3)).toBeCloseTo(0.75, 12);
    expect(skillOf(0.5, 0)).toBeUndefined();
    expect(skillOf(0.5, Number.NaN)).toBeUndefined();
  });
});
