/**
 * The MonitoringStore port's contract: checks and decisions keyed by (at, stage), a retried append
 * replacing itself, the latest N read back oldest first.
 */
import type { DecisionRecord, MonitoringCheck, MonitoringStore } from '../../src/ports/monitoring-store';
import { useSubject, type MakeSubject } from './subject';

const T0 = Date.parse('2025-05-01T00:00:00.000Z');
const hour = (n: number) => new Date(T0 + n * 3600_000).toISOString();

function aCheck(n: number, overrides: Partial<MonitoringCheck> = {}): MonitoringCheck {
  return { at: hour(n), stage: 'production', outcome: 'measured', loss: 0.1 + n / 100, threshold: 0.12, endpoint: 'btc-fee-production', windows: 4, rmse: 3.2, ...overrides };
}

function aDecision(n: number, overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return { at: hour(n), retrain: false, reason: 'within threshold', stage: 'production', consecutiveBreaches: 0, ...overrides };
}

export function describeMonitoringStoreContract(name: string, makeSubject: MakeSubject<{ store: MonitoringStore }>): void {
  describe(`Contract: MonitoringStore — ${name}`, () => {
    const subject = useSubject(makeSubject);

    describe('checks', () => {
      it('reads back the latest checks of every stage, oldest first, across pages', async () => {
        const { store } = subject();
        for (const n of [2, 0, 4, 1, 3]) await store.appendCheck(aCheck(n));
        await store.appendCheck(aCheck(4, { stage: 'staging', outcome: 'no-endpoint', loss: undefined, threshold: undefined, endpoint: 'btc-fee-staging', windows: undefined, rmse: undefined }));

        const recent = await store.recentChecks(3);

        expect(recent.map((c) => [c.at, c.stage])).toEqual([
          [hour(3), 'production'],
          [hour(4), 'production'],
          [hour(4), 'staging'],
        ]);
        expect(recent[0]).toEqual(aCheck(3));
        expect(recent[2]).toEqual({ at: hour(4), stage: 'staging', outcome: 'no-endpoint', endpoint: 'btc-fee-staging' });
      });

      it('replaces a check appended again at the same time for the same stage (a retried task)', async () => {
        const { store } = subject();
        await store.appendCheck(aCheck(1));
        await store.appendCheck(aCheck(1, { loss: 0.5 }));

        expect(await store.recentChecks(10)).toEqual([aCheck(1, { loss: 0.5 })]);
      });

      it('keeps times in one form, so any ISO 8601 spelling of a time is the same check', async () => {
        const { store } = subject();
        await store.appendCheck(aCheck(1, { at: '2025-05-01T01:00:00Z' }));
        await store.appendCheck(aCheck(1, { at: '2025-05-01T03:00:00+02:00', loss: 0.3 }));

        expect(await store.recentChecks(10)).toEqual([aCheck(1, { loss: 0.3 })]);
      });

      it('reads back the loss the serving model was approved at and the factor the skill rule applied to it', async () => {
        const { store } = subject();
        const judged = aCheck(1, { criterion: 'skill', naiveLoss: 0.2, skill: 1.1, maxSkill: 1, approvedLoss: 0.19, approvedLossFactor: 1.25 });
        await store.appendCheck(judged);
        expect(await store.recentChecks(10)).toEqual([judged]);
      });

      it('reads back what a check was judged by: criterion, seasonal naive loss, skill and its limit', async () => {
        const { store } = subject();
        const judged = aCheck(1, { criterion: 'skill', naiveLoss: 0.2, skill: 0.55, maxSkill: 1 });
        await store.appendCheck(judged);
        await store.appendCheck(aCheck(2, { criterion: 'absolute', naiveLoss: 0.1, skill: 1.2 }));

        expect(await store.recentChecks(10)).toEqual([judged, aCheck(2, { criterion: 'absolute', naiveLoss: 0.1, skill: 1.2 })]);
      });

      it('leaves out a figure that is not a finite number', async () => {
        const { store } = subject();
        await store.appendCheck(aCheck(1, { loss: Number.NaN, rmse: Number.POSITIVE_INFINITY }));

        const [check] = await store.recentChecks(1);
        expect(check).toEqual({ at: hour(1), stage: 'production', outcome: 'measured', threshold: 0.12, endpoint: 'btc-fee-production', windows: 4 });
      });
    });

    describe('decisions', () => {
      it('reads back the latest decisions oldest first, with or without a stage', async () => {
        const { store } = subject();
        await store.appendDecision(aDecision(1));
        await store.appendDecision(aDecision(2, { stage: undefined, reason: 'no stage deployed' }));
        await store.appendDecision(aDecision(3, { retrain: true, reason: '3 breaches', consecutiveBreaches: 3, trainingExecutionArn: 'arn:aws:states:eu-west-1:123456789012:execution:training:t-3' }));

        expect(await store.recentDecisions(2)).toEqual([
          { at: hour(2), retrain: false, reason: 'no stage deployed', consecutiveBreaches: 0 },
          aDecision(3, { retrain: true, reason: '3 breaches', consecutiveBreaches: 3, trainingExecutionArn: 'arn:aws:states:eu-west-1:123456789012:execution:training:t-3' }),
        ]);
      });

      it('replaces a decision appended again for the same time and stage', async () => {
        const { store } = subject();
        await store.appendDecision(aDecision(1));
        await store.appendDecision(aDecision(1, { reason: 'retried' }));
        await store.appendDecision(aDecision(1, { stage: 'staging' }));

        expect((await store.recentDecisions(10)).map((d) => [d.stage, d.reason])).toEqual([
          ['production', 'retried'],
          ['staging', 'within threshold'],
        ]);
      });
    });

    it('refuses a limit that is not a whole number of 1 or more', async () => {
      const { store } = subject();
      await expect(store.recentChecks(0)).rejects.toThrow(RangeError);
      await expect(store.recentDecisions(1.5)).rejects.toThrow(RangeError);
    });
  });
}
