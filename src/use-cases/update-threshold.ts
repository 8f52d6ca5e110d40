/**
 * Update the threshold: after an approval, moves the quality gate toward the approved model's loss when
 * it beat the threshold, by the original system's rule new = loss + |loss − threshold| × update_rate
 * (both read from the parameter store now). A worse loss leaves the threshold as it is.
 */
import { nextThreshold, parameterName, readRunConfig } from '../core/run-config';
import type { ParameterStore } from '../ports/parameter-store';

export interface UpdateThresholdDeps {
  parameterStore: ParameterStore;
  parameterPath: string;
}

export type ThresholdUpdate =
  | { previous: number; current: number; updated: true; version: number }
  | { previous: number; current: number; updated: false; reason: string };

export async function updateThreshold(deps: UpdateThresholdDeps, input: { loss: number; modelPackageArn: string }): Promise<ThresholdUpdate> {
  const { loss, modelPackageArn } = input;
  const { threshold, updateRate } = await readRunConfig(deps.parameterStore, deps.parameterPath);
  const next = nextThreshold(loss, threshold, updateRate);
  if (next === threshold) return { previous: threshold, current: threshold, updated: false, reason: `loss ${loss} does not beat the threshold ${threshold}` };
  const stored = await deps.parameterStore.put(parameterName(deps.parameterPath, 'threshold'), String(next), {
    overwrite: true,
    description: `moved toward ${modelPackageArn}'s loss ${loss}`,
  });
  return { previous: threshold, current: next, updated: true, version: stored.version };
}
