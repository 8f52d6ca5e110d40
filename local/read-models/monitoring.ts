/**
 * Monitoring as recorded: each stage's checks (loss against the threshold it was checked with; any other
 * field a check carries, such as a skill against seasonal naive, passed through as stored), the retraining
 * decisions with their reasons, and the threshold's history from the twin's parameter store (SSM keeps
 * every version of a parameter; so does the twin).
 */
import { isBreach, STAGES, type Stage } from '../../src/core/monitoring-policy';
import { parameterName } from '../../src/core/run-config';
import { ParameterNotFoundError } from '../../src/ports/errors';
import type { DecisionRecord, MonitoringCheck, MonitoringStore } from '../../src/ports/monitoring-store';
import type { ParameterStore } from '../../src/ports/parameter-store';
import parameterHistory from '../../test/fixtures/aws/ssm-parameter-history.json';

/** A check as shown: what was stored, and whether it breached its threshold (the policy's own rule). */
export type CheckView = MonitoringCheck & { breach: boolean };

export interface MonitoringView {
  stages: Record<Stage, CheckView[]>;
  decisions: DecisionRecord[];
  threshold: {
    /** Where the history comes from. */
    source: 'parameter-store';
    parameter: string;
    /**
     * The versions Parameter Store keeps (the latest 100: test/fixtures/aws/ssm-parameter-history.json), oldest
     * first; `value` is the number when the stored text is one. `at` is when the store wrote the version.
     */
    history: Array<{ version: number; value: number | null; text: string; at: string }>;
  };
}

/** As many checks as a chart shows: ~10 days of hourly checks of both stages. */
export const MAX_CHECKS = 500;

export async function monitoringView(deps: { monitoringStore: MonitoringStore; parameterStore: ParameterStore; parameterPath: string }): Promise<MonitoringView> {
  const checks = await deps.monitoringStore.recentChecks(MAX_CHECKS);
  const stages = Object.fromEntries(STAGES.map((s) => [s, [] as CheckView[]])) as Record<Stage, CheckView[]>;
  for (const check of checks) {
    stages[check.stage]?.push({ ...check, breach: isBreach(check) });
  }
  const parameter = parameterName(deps.parameterPath, 'threshold');
  let history: MonitoringView['threshold']['history'] = [];
  try {
    history = (await deps.parameterStore.history(parameter)).slice(-parameterHistory.retainedVersions).map((p) => {
      const n = Number(p.value);
      return { version: p.version, value: p.value.trim() !== '' && Number.isFinite(n) ? n : null, text: p.value, at: p.lastModified.toISOString() };
    });
  } catch (error) {
    if (!(error instanceof ParameterNotFoundError)) throw error;
  }
  return { stages, decisions: await deps.monitoringStore.recentDecisions(MAX_CHECKS), threshold: { source: 'parameter-store', parameter, history } };
}

