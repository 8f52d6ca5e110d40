/**
 * The use cases' dependency rule: they import the core, the ports and DeepAR's pure parts (a baseline,
 * the hyperparameters' validation), never an adapter, the twin, a handler, AWS or I/O. Handlers, the
 * CLI and the twin call them; not the other way round.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(__dirname, '..', '..', 'src', 'use-cases');
const ALLOWED = /^(\.\.\/core\/[a-z-]+|\.\.\/ports\/[a-z-]+|\.\.\/deepar\/(baselines|hyperparameters))$/;

const importsOf = (file: string) => [...readFileSync(join(DIR, file), 'utf8').matchAll(/(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]|require\(['"]([^'"]+)['"]\)/g)].map((m) => m[1] ?? m[2]);

describe('Architecture: use cases', () => {
  it.each(readdirSync(DIR).filter((f) => f.endsWith('.ts')))('src/use-cases/%s imports only the core, the ports and pure DeepAR parts', (file) => {
    const imports = importsOf(file);
    expect(imports.length).toBeGreaterThan(0);
    for (const spec of imports) expect({ spec, allowed: ALLOWED.test(spec) }).toEqual({ spec, allowed: true });
  });
});
