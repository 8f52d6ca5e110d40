import type { Command } from 'commander';
import { PARAMETER_DESCRIPTIONS, PARAMETER_NAMES, parameterName, parseRunConfig, type ParameterKey } from '../../src/core/run-config';
import { ValidationError } from '../../src/core/errors';
import { seedDefaultParameters } from '../../src/core/seed-parameters';
import { parseHyperparameters } from '../../src/deepar/hyperparameters';
import { LOCAL_SETTINGS } from '../settings';
import { openTwin, type Twin } from '../twin';

const KEYS = Object.keys(PARAMETER_NAMES) as ParameterKey[];

function keyOf(name: string): ParameterKey {
  const key = KEYS.find((k) => PARAMETER_NAMES[k] === name || k === name);
  if (!key) throw new ValidationError(`unknown parameter ${JSON.stringify(name)}; known: ${KEYS.map((k) => PARAMETER_NAMES[k]).join(', ')}`, { field: name });
  return key;
}

/** The parameters as a run reads them (the defaults stored first, as `mlops up` does). */
async function readParameters(twin: Twin, keys: readonly ParameterKey[]) {
  const path = LOCAL_SETTINGS.PARAMETER_PATH;
  await seedDefaultParameters(twin.parameterStore, path);
  return Promise.all(
    keys.map(async (key) => {
      const p = await twin.parameterStore.get(parameterName(path, key));
      return { key, name: p.name, value: p.value, version: p.version, description: PARAMETER_DESCRIPTIONS[key] };
    }),
  );
}

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('the run-time parameters (the twin’s SSM Parameter Store)');
  config
    .command('list', { isDefault: true })
    .description('every parameter with its value and version')
    .option('--home <dir>', 'data dir (default $MLOPS_HOME or ./.mlops)')
    .option('--json', 'print one JSON array of {key, name, value, version, description}')
    .action(async (options: { home?: string; json?: boolean }) => {
      const twin = openTwin(options.home);
      try {
        const parameters = await readParameters(twin, KEYS);
        if (options.json) return console.log(JSON.stringify(parameters));
        for (const p of parameters) {
          console.log(`${PARAMETER_NAMES[p.key].padEnd(38)} v${String(p.version).padEnd(3)} ${p.value}\n${''.padEnd(44)}${p.description}`);
        }
      } finally {
        twin.close();
      }
    });
  config
    .command('get <name>')
    .description('one parameter’s value (e.g. `mlops config get quality/threshold`)')
    .option('--home <dir>', 'data dir (default $MLOPS_HOME or ./.mlops)')
    .option('--json', 'print one JSON object {key, name, value, version, description}')
    .action(async (name: string, options: { home?: string; json?: boolean }) => {
      const key = keyOf(name);
      const twin = openTwin(options.home);
      try {
        const [parameter] = await readParameters(twin, [key]);
        console.log(options.json ? JSON.stringify(parameter) : parameter.value);
      } finally {
        twin.close();
      }
    });
  config
    .command('set <name> <value>')
    .description('store a new version of a parameter, checked first (e.g. `mlops config set quality/threshold 0.4`)')
    .option('--home <dir>', 'data dir (default $MLOPS_HOME or ./.mlops)')
    .action(async (name: string, value: string, options: { home?: string }) => {
      const key = keyOf(name);
      const twin = openTwin(options.home);
      try {
        const path = LOCAL_SETTINGS.PARAMETER_PATH;
        await seedDefaultParameters(twin.parameterStore, path);
        const current = Object.fromEntries(
          await Promise.all(KEYS.map(async (k) => [k, (await twin.parameterStore.get(parameterName(path, k))).value])),
        ) as Record<ParameterKey, string>;
        // Checked as a run would read it, before anything is stored.
        const parsed = parseRunConfig({ ...current, [key]: value }, path);
        if (key === 'hyperparameters') parseHyperparameters(parsed.hyperparameters);
        const stored = await twin.parameterStore.put(parameterName(path, key), value, { overwrite: true });
        console.log(`${stored.name} = ${stored.value} (version ${stored.version})`);
      } finally {
        twin.close();
      }
    });
}
