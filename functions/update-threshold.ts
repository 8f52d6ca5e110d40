/**
 * UpdateThreshold: after an approval, moves the quality gate toward the approved model's loss when it
 * beat the threshold, by the original system's rule new = loss + |loss − threshold| × update_rate
 * (both read from SSM now). A worse loss leaves the threshold as it is.
 */
import { z } from 'zod';
import { nextThreshold, parameterName, readRunConfig } from '../src/core/run-config';
import { SsmParameterStore } from '../src/adapters/aws/ssm-parameter-store';
import type { ParameterStore } from '../src/ports/parameter-store';
import { once, parseEvent, requireEnv, taskHandler } from './lib/middleware';

const UpdateThresholdEvent = z.object({ loss: z.number().positive(), modelPackageArn: z.string().min(1) });

export function createHandler(deps: { parameterStore: () => ParameterStore; parameterPath: () => string }) {
  return taskHandler(async (event: unknown) => {
    const { loss, modelPackageArn } = parseEvent(UpdateThresholdEvent, event);
    const store = deps.parameterStore();
    const path = deps.parameterPath();
    const { threshold, updateRate } = await readRunConfig(store, path);
    const next = nextThreshold(loss, threshold, updateRate);
    if (next === threshold) return { previous: threshold, current: threshold, updated: false, reason: `loss ${loss} does not beat the threshold ${threshold}` };
    const stored = await store.put(parameterName(path, 'threshold'), String(next), {
      overwrite: true,
      description: `moved toward ${modelPackageArn}'s loss ${loss}`,
    });
    return { previous: threshold, current: next, updated: true, version: stored.version };
  });
}

export const handler = createHandler({
  parameterStore: once(() => new SsmParameterStore()),
  parameterPath: () => requireEnv('PARAMETER_PATH'),
});
