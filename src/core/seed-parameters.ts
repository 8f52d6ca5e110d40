/** Seeds the run-time parameters with their defaults, keeping every value a user (or the pipeline) set. */
import { createHash } from 'node:crypto';
import { ParameterAlreadyExistsError } from '../ports/errors';
import type { ParameterStore } from '../ports/parameter-store';
import { DEFAULT_PARAMETERS, PARAMETER_DESCRIPTIONS, parameterName, type ParameterKey } from './run-config';

export async function seedDefaultParameters(store: ParameterStore, path: string): Promise<ParameterKey[]> {
  const seeded: ParameterKey[] = [];
  for (const key of Object.keys(DEFAULT_PARAMETERS) as ParameterKey[]) {
    try {
      await store.put(parameterName(path, key), DEFAULT_PARAMETERS[key], { overwrite: false, description: PARAMETER_DESCRIPTIONS[key] });
      seeded.push(key);
    } catch (error) {
      if (!(error instanceof ParameterAlreadyExistsError)) throw error;
    }
  }
  return seeded;
}

/**
 * A short fingerprint of the defaults (names and values, in a stable order). The seeding custom resource
 * carries it as a property, so a release that adds or changes a default changes the resource, and
 * CloudFormation calls the seeding function with an Update.
 */
export function defaultParametersHash(defaults: Readonly<Record<string, string>> = DEFAULT_PARAMETERS): string {
  const canonical = JSON.stringify(Object.keys(defaults).sort().map((key) => [key, defaults[key]]));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
