/**
 * The project's import graph, shared by the dependency rule (test/architecture/) and
 * scripts/architecture-metrics.ts. Imports are found by TypeScript's own pre-processor (import,
 * `export … from`, require, dynamic and side-effect imports, type-only ones included); relative ones are
 * resolved to files as tsc and Node do (`x.ts`, `x/index.ts`), package names are left as they are.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** Every .ts file under dir (none when dir does not exist), node_modules skipped. */
export function sourcesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(path).isDirectory() ? sourcesUnder(path) : path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** The module specifiers a file imports, in order. */
export function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

/** The file a relative specifier names, or undefined for a package (or a file that does not exist). */
export function resolveImport(fromFile: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** A path relative to root, with forward slashes (stable across platforms, readable in messages). */
export function relativePath(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

/** file → the project files it imports, all as paths relative to root, over the given top-level folders. */
export function importGraph(root: string, folders: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of folders.flatMap((f) => sourcesUnder(join(root, f)))) {
    const targets = importsOf(file)
      .map((spec) => resolveImport(file, spec))
      .filter((t): t is string => t !== undefined)
      .map((t) => relativePath(root, t));
    graph.set(relativePath(root, file), [...new Set(targets)]);
  }
  return graph;
}

/**
 * The import cycles: one per strongly connected component of more than one file (or a file importing
 * itself), each as a path that starts and ends at the component's first file in name order.
 */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  return stronglyConnected(graph)
    .filter((c) => c.length > 1 || (graph.get(c[0]) ?? []).includes(c[0]))
    .map((component) => cycleThrough(graph, new Set(component)))
    .sort((a, b) => a[0].localeCompare(b[0]));
}

/** Tarjan's algorithm, iterative so a deep import chain cannot overflow the stack. */
function stronglyConnected(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  for (const start of [...graph.keys()].sort()) {
    if (index.has(start)) continue;
    const work: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const to = edges[frame.edge++];
        if (!graph.has(to)) continue;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let node: string;
        do {
          node = stack.pop()!;
          onStack.delete(node);
          component.push(node);
        } while (node !== frame.node);
        components.push(component.sort());
      }
    }
  }
  return components;
}

/** The shortest path from the component's first file back to itself, staying inside the component. */
function cycleThrough(graph: ReadonlyMap<string, readonly string[]>, component: ReadonlySet<string>): string[] {
  const first = [...component].sort()[0];
  const cameFrom = new Map<string, string>();
  const queue = [first];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const to of graph.get(node) ?? []) {
      if (!component.has(to)) continue;
      if (to === first) {
        const path: string[] = [];
        for (let at = node; at !== first; at = cameFrom.get(at)!) path.push(at);
        return [first, ...path.reverse(), first];
      }
      if (!cameFrom.has(to) && to !== first) {
        cameFrom.set(to, node);
        queue.push(to);
      }
    }
  }
  return [first, first];
}
