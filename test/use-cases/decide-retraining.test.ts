import type { MonitoringCheck } from '../../src/ports/monitoring-store';
import { RECENT_CHECKS, decideRetraining, type DecideRetrainingInput } from '../../src/use-cases/decide-retraining';
import { InMemoryMonitoringStore } from './fakes';
import { PARAMETER_PATH, aCheck, aParameterStore, aStaleCheck, hour, productionLosses } from './mothers';

async function aDecision(checks: MonitoringCheck[], parameters: Parameters<typeof aParameterStore>[0] = {}) {
  const monitoringStore = new InMemoryMonitoringStore();
  for (const check of checks) await monitoringStore.appendCheck(check);
  const deps = { parameterStore: await aParameterStore(parameters), monitoringStore, parameterPath: PARAMETER_PATH };
  const decide = (input: Partial<DecideRetrainingInput> & { asOf: Date }) => decideRetraining(deps, { trainingRunning: false, ...input });
  return { monitoringStore, decide };
}

describe('Use case: decideRetraining', () => {
  it('retrains after K = 3 consecutive breaches on a stage, and records the decision with its reason', async () => {
    // Prepare
    const { monitoringStore, decide } = await aDecision(productionLosses(0.3, 0.6, 0.7, 0.8));

    // Act
    const result = await decide({ asOf: new Date(hour(4)) });

    // Assess
    const reason = '3 consecutive checks of production over the threshold';
    expect(result).toEqual({ retrain: true, stage: 'production', consecutiveBreaches: 3, reason, staleData: false });
    expect(monitoringStore.decisions).toEqual([{ at: hour(4), retrain: true, stage: 'production', consecutiveBreaches: 3, reason }]);
  });

  it('holds below K and records why', async () => {
    // Prepare
    const { monitoringStore, decide } = await aDecision(productionLosses(0.6, 0.3, 0.6, 0.7));

    // Act
    const result = await decide({ asOf: new Date(hour(4)) });

    // Assess
    const reason = 'accuracy holds: 2 of 3 consecutive breaches (production)';
    expect(result).toEqual({ retrain: false, consecutiveBreaches: 2, reason, staleData: false });
    expect(monitoringStore.decisions).toEqual([{ at: hour(4), retrain: false, consecutiveBreaches: 2, reason }]);
  });

  it('does not retrain within the cool-down since the last training started, and records why', async () => {
    // Prepare
    const { monitoringStore, decide } = await aDecision(productionLosses(0.6, 0.7, 0.8));

    // Act
    const result = await decide({ asOf: new Date(hour(3)), lastTrainingStart: new Date(hour(1)) });

    // Assess
    const reason = '3 consecutive breaches on production, but the last training started 2.0 h ago (cool-down 6 h)';
    expect(result).toEqual({ retrain: false, consecutiveBreaches: 3, reason, staleData: false });
    expect(monitoringStore.decisions[0]).toMatchObject({ retrain: false, reason });
  });

  it('does not retrain while a training runs', async () => {
    // Prepare
    const { decide } = await aDecision(productionLosses(0.6, 0.7, 0.8));

    // Act
    const result = await decide({ asOf: new Date(hour(3)), trainingRunning: true, lastTrainingStart: new Date(hour(-10)) });

    // Assess
    expect(result).toMatchObject({ retrain: false, reason: '3 consecutive breaches on production, but a training is already running', staleData: false });
  });

  it('reads K and the cool-down at run time', async () => {
    // Prepare: K = 2; the last training started 2 h before, a cool-down of 1 h is over.
    const { decide } = await aDecision(productionLosses(0.3, 0.6, 0.7), { breachesBeforeRetraining: '2', cooldownHours: '1' });

    // Act
    const result = await decide({ asOf: new Date(hour(3)), lastTrainingStart: new Date(hour(1)) });

    // Assess
    expect(result).toMatchObject({ retrain: true, stage: 'production', consecutiveBreaches: 2 });
  });

  it('withholds retraining on old breaches when the latest check of every stage found stale data, and says so', async () => {
    // Prepare
    const { monitoringStore, decide } = await aDecision([...productionLosses(0.6, 0.7, 0.8), aStaleCheck(4, 'staging'), aStaleCheck(4, 'production')]);

    // Act
    const result = await decide({ asOf: new Date(hour(4)) });

    // Assess
    expect(result).toEqual({
      retrain: false,
      consecutiveBreaches: 3,
      reason: '3 consecutive checks of production over the threshold, but the latest checks found stale data: no retraining until data flows again',
      staleData: true,
    });
    expect(monitoringStore.decisions[0]).toEqual({ at: hour(4), retrain: false, consecutiveBreaches: 3, reason: result.reason });
  });

  it('is not stale while one stage still measures', async () => {
    // Prepare
    const { decide } = await aDecision([aStaleCheck(1, 'staging'), aCheck(1, 'production', 0.2)]);

    // Act
    const result = await decide({ asOf: new Date(hour(1)) });

    // Assess
    expect(result).toMatchObject({ retrain: false, staleData: false });
  });

  it(`decides only on the checks known at asOf, of the latest ${RECENT_CHECKS}`, async () => {
    // Prepare: the breaches of hours 3 to 5 came after the decision's time.
    const { monitoringStore, decide } = await aDecision(productionLosses(0.2, 0.2, 0.6, 0.7, 0.8));

    // Act
    const result = await decide({ asOf: new Date(hour(2)) });

    // Assess
    expect(result).toMatchObject({ retrain: false, consecutiveBreaches: 0 });
    expect(monitoringStore.limitsAsked).toEqual([RECENT_CHECKS]);
  });

  it('says nothing was measured yet, and records it', async () => {
    // Prepare
    const { monitoringStore, decide } = await aDecision([]);

    // Act
    const result = await decide({ asOf: new Date(hour(10)) });

    // Assess
    expect(result).toEqual({ retrain: false, consecutiveBreaches: 0, reason: 'nothing measured yet', staleData: false });
    expect(monitoringStore.decisions).toEqual([{ at: hour(10), retrain: false, consecutiveBreaches: 0, reason: 'nothing measured yet' }]);
  });
  it('judges each check by the criterion it was measured under: volatile hours judged by skill do not retrain, a lost skill does', async () => {
    // Prepare: losses far over the threshold 0.5, but seasonal naive lost as much (skill 0.8) for three hours; then three hours worse than naive.
    const bySkill = (h: number, loss: number, skill: number): MonitoringCheck => ({ ...aCheck(h, 'production', loss), criterion: 'skill', naiveLoss: loss / skill, skill, maxSkill: 1 });
    const volatile = [bySkill(1, 0.9, 0.8), bySkill(2, 1.2, 0.8), bySkill(3, 0.9, 0.8)];
    const { decide } = await aDecision([...volatile, bySkill(4, 0.3, 1.4), bySkill(5, 0.4, 1.3), bySkill(6, 0.3, 1.2)]);

    // Act
    const afterVolatile = await decide({ asOf: new Date(hour(3)) });
    const afterLostSkill = await decide({ asOf: new Date(hour(6)) });

    // Assess
    expect(afterVolatile).toMatchObject({ retrain: false, consecutiveBreaches: 0 });
    expect(afterLostSkill).toMatchObject({ retrain: true, stage: 'production', consecutiveBreaches: 3, reason: "3 consecutive checks of production with skill (loss / seasonal naive's) over 1" });
  });
});
