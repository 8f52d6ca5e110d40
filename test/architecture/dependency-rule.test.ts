/**
 * The dependency rule: the core imports neither AWS, nor the twin, nor the file system or network;
 * ports import only the core; AWS adapters never import the twin; the pure DeepAR model no I/O and not
 * its runtime; `src/` and `functions/` never the twin; use cases only ports and the core; a handler never another handler; `web/` no
 * adapters. And the import graph of the whole tree has no cycle.
 */
import { dirname, join, resolve } from 'node:path';
import { findCycles, importGraph, importsOf, relativePath, resolveImport, sourcesUnder } from '../../scripts/import-graph';

const ROOT = join(__dirname, '..', '..');
const TREE = ['src', 'functions', 'local', 'web', 'bench', 'scripts'];

const FORBIDDEN_IN_CORE = [/^@aws-sdk\//, /^node:(fs|net|http|https|child_process|worker_threads)/, /^(fs|net|http|https|child_process)$/, /local\//, /adapters\//, /better-sqlite3/];
/** Packages that are adapters or I/O in themselves. */
const ADAPTER_PACKAGES = [/^@aws-sdk\//, /^better-sqlite3$/, /^tar$/, /^(node:)?(fs|fs\/promises|net|http|https|child_process|worker_threads)$/];

const sources = (...folders: string[]): string[] => sourcesUnder(join(ROOT, ...folders));
const asRows = (files: string[]): [string, string][] => files.map((f) => [relativePath(ROOT, f), f]);
/** Where an import lands, relative to the root ('' for a package; the bare path when no file matches). */
const landing = (file: string, spec: string): string =>
  spec.startsWith('.') ? relativePath(ROOT, resolveImport(file, spec) ?? resolve(dirname(file), spec)) : '';

/** "file imports spec" for every import of `files` that `isForbidden` rejects. */
function violations(files: string[], isForbidden: (spec: string, target: string) => boolean): string[] {
  return files.flatMap((file) =>
    importsOf(file).filter((spec) => isForbidden(spec, landing(file, spec))).map((spec) => `${relativePath(ROOT, file)} imports ${spec}`),
  );
}

const isPureDeepAR = (path: string): boolean => path.startsWith('src/deepar/') && !path.startsWith('src/deepar/runtime/');
const isUnder = (path: string, ...folders: string[]): boolean => folders.some((f) => path.startsWith(`${f}/`));

describe('Architecture: dependency rule', () => {
  it.each(asRows(sources('src', 'core')))('%s imports no AWS, twin or I/O', (_, file) => {
    for (const spec of importsOf(file)) for (const pattern of FORBIDDEN_IN_CORE) expect(`${spec}`).not.toMatch(pattern);
  });

  it.each(asRows(sources('src', 'ports')))('%s imports only the core', (_, file) => {
    for (const spec of importsOf(file)) expect(spec).toMatch(/^(\.\.\/core\/|\.\/)[a-z-]+$/);
  });

  it.each(asRows(sources('src', 'adapters')))('%s does not reach into the twin', (_, file) => {
    for (const spec of importsOf(file)) expect(spec).not.toMatch(/local\//);
  });

  it('the core does not import the DeepAR runtime', () => {
    expect(violations(sources('src', 'core'), (_, target) => isUnder(target, 'src/deepar/runtime'))).toEqual([]);
  });

  // src/deepar/wasm holds the AssemblyScript source of the kernels, compiled by its build script, never imported
  const pureDeepAR = sources('src', 'deepar').filter((f) => isPureDeepAR(relativePath(ROOT, f)) && !relativePath(ROOT, f).startsWith('src/deepar/wasm/'));

  it.each(asRows(pureDeepAR))('%s (the pure DeepAR model) imports only its own files and the core: no I/O, threads, WASM loading or runtime', (_, file) => {
    for (const spec of importsOf(file)) {
      expect(spec).toMatch(/^(\.\/|\.\.\/core\/)[a-z-]+$/);
      expect(landing(file, spec)).not.toMatch(/^src\/deepar\/runtime\//); // './runtime' is its index
    }
  });

  it('a handler (functions/) never imports another handler: shared types live with the use case or in the core', () => {
    const isHandler = (path: string): boolean => /^functions\/[^/]+\.ts$/.test(path);
    expect(violations(sources('functions'), (_, target) => isHandler(target))).toEqual([]);
  });

  it('src/ and functions/ never import the twin (local/)', () => {
    expect(violations([...sources('src'), ...sources('functions')], (_, target) => isUnder(target, 'local'))).toEqual([]);
  });

  // applies to whatever use cases exist: none is a pass, every file added later is held to it
  it('use cases (src/use-cases/) import ports and the core (incl. the pure DeepAR model), never adapters, the twin or handlers', () => {
    const allowed = (target: string): boolean =>
      isUnder(target, 'src/core', 'src/ports', 'src/use-cases') || isPureDeepAR(target);
    // No package at all: a use case is plain TypeScript over its ports (AWS, SQLite and I/O live in adapters).
    expect(violations(sources('src', 'use-cases'), (_, target) => target === '' || !allowed(target))).toEqual([]);
  });

  it('web/ imports no adapters and not the twin', () => {
    expect(violations(sources('web'), (spec, target) =>
      target === '' ? ADAPTER_PACKAGES.some((p) => p.test(spec)) : isUnder(target, 'src/adapters', 'local'),
    )).toEqual([]);
  });

  it(`the import graph of ${TREE.join(', ')} has no cycle`, () => {
    const cycles = findCycles(importGraph(ROOT, TREE)).map((c) => c.join(' -> '));
    expect(cycles).toEqual([]);
  });
});
