/**
 * The dependency rule: the core imports neither AWS, nor the twin, nor the file system or network;
 * ports import only the core; AWS adapters never import the twin.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourcesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]|require\(['"]([^'"]+)['"]\)|import\(['"]([^'"]+)['"]\)/g)].map(
    (m) => m[1] ?? m[2] ?? m[3],
  );
}

const FORBIDDEN_IN_CORE = [/^@aws-sdk\//, /^node:(fs|net|http|https|child_process|worker_threads)/, /^(fs|net|http|https|child_process)$/, /local\//, /adapters\//, /better-sqlite3/];

describe('Architecture: dependency rule', () => {
  it.each(sourcesUnder(join(ROOT, 'src', 'core')).map((f) => [relative(ROOT, f), f]))('%s imports no AWS, twin or I/O', (_, file) => {
    for (const spec of importsOf(file)) for (const pattern of FORBIDDEN_IN_CORE) expect(`${spec}`).not.toMatch(pattern);
  });

  it.each(sourcesUnder(join(ROOT, 'src', 'ports')).map((f) => [relative(ROOT, f), f]))('%s imports only the core', (_, file) => {
    for (const spec of importsOf(file)) expect(spec).toMatch(/^(\.\.\/core\/|\.\/)[a-z-]+$/);
  });

  it.each(sourcesUnder(join(ROOT, 'src', 'adapters')).map((f) => [relative(ROOT, f), f]))('%s does not reach into the twin', (_, file) => {
    for (const spec of importsOf(file)) expect(spec).not.toMatch(/local\//);
  });
});
