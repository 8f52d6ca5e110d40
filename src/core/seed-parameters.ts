/** Seeds the run-time parameters with their defaults, keeping every value a user (or the pipeline) set. */
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
