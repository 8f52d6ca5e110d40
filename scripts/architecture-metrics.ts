/**
 * Architecture figures of a checkout, to compare before and after a refactoring:
 *
 *   npx tsx scripts/architecture-metrics.ts [dir]      (dir: a project tree, default this one)
 *
 * - lines per handler: each functions/*.ts (functions/lib/ excluded), all lines and code lines (lines
 *   that are neither blank nor only a comment);
 * - the longest functions of the tree (src, functions, local, web, bench, scripts; tests excluded):
 *   every function, method, constructor, accessor or arrow function with a body, measured from its first
 *   to its last line, found with the TypeScript compiler's parser;
 * - files reaching into another module's internals. A module is a top-level folder of src/ (src/core,
 *   src/deepar, ...) or one of functions, local, web, bench, scripts. A file reaches in when it
 *   (a) imports a file inside a sub-folder of another module other than that sub-folder's index.ts
 *   (e.g. local/sagemaker/endpoints.ts from bench/, src/deepar/runtime/kernels-wasm.ts from local/), or
 *   (b) reads a `store` field through another object (`a.b.store`, not under `this`): the executor's
 *   execution store, which the twin's modules read as `pipeline.stepFunctions.store`;
 * - import cycles: strongly connected groups of files in the import graph (scripts/import-graph.ts).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { findCycles, importGraph, relativePath, sourcesUnder } from './import-graph';

const TREE = ['src', 'functions', 'local', 'web', 'bench', 'scripts'];

export interface HandlerSize {
  file: string;
  lines: number;
  codeLines: number;
}

export interface FunctionSize {
  name: string;
  file: string;
  lines: number;
}

export function handlerSizes(root: string): HandlerSize[] {
  return sourcesUnder(join(root, 'functions'))
    .filter((f) => !relativePath(root, f).startsWith('functions/lib/'))
    .map((f) => {
      const lines = readFileSync(f, 'utf8').replace(/\n$/, '').split('\n');
      return { file: relativePath(root, f), lines: lines.length, codeLines: codeLineCount(lines) };
    });
}

/** Lines that are neither blank nor only a comment (`//`, or inside / opening / closing a block comment). */
function codeLineCount(lines: readonly string[]): number {
  let inBlock = false;
  let count = 0;
  for (const raw of lines) {
    const line = raw.trim();
    if (inBlock) {
      if (line.includes('*/')) {
        inBlock = false;
        if (line.slice(line.indexOf('*/') + 2).trim() !== '') count++;
      }
      continue;
    }
    if (line === '' || line.startsWith('//')) continue;
    if (line.startsWith('/*')) {
      inBlock = !line.includes('*/');
      if (!inBlock && line.slice(line.indexOf('*/') + 2).trim() !== '') count++;
      continue;
    }
    count++;
  }
  return count;
}

/** Every function of the tree with a body, longest first. */
export function functionSizes(root: string): FunctionSize[] {
  const sizes: FunctionSize[] = [];
  for (const file of TREE.flatMap((f) => sourcesUnder(join(root, f)))) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        sizes.push({ name: functionName(node, source), file: relativePath(root, file), lines: last - first + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return sizes.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file));
}

/** The declared name, or the variable / property / class member an anonymous function is assigned to. */
function functionName(node: ts.SignatureDeclaration, source: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(node)) return `${className(node.parent)}.constructor`;
  const own = node.name?.getText(source);
  const holder = node.parent;
  const assignedTo =
    ts.isVariableDeclaration(holder) || ts.isPropertyAssignment(holder) || ts.isPropertyDeclaration(holder) ? holder.name.getText(source) : undefined;
  const name = own ?? assignedTo ?? '(anonymous)';
  return ts.isClassLike(holder) || (ts.isPropertyDeclaration(holder) && ts.isClassLike(holder.parent))
    ? `${className(ts.isClassLike(holder) ? holder : holder.parent)}.${name}`
    : name;
}

function className(node: ts.Node): string {
  return ts.isClassLike(node) && node.name ? node.name.text : '(class)';
}

/** The module a path belongs to: src/<folder>, or its top-level folder. */
function moduleOf(path: string): string {
  const parts = path.split('/');
  return parts[0] === 'src' ? parts.slice(0, 2).join('/') : parts[0];
}

/** Files reaching into another module's internals (see the header), each with what it reaches. */
export function reachesIntoInternals(root: string): Map<string, string[]> {
  const graph = importGraph(root, TREE);
  const found = new Map<string, string[]>();
  const note = (file: string, what: string): void => {
    found.set(file, [...(found.get(file) ?? []), what]);
  };
  for (const [file, targets] of graph) {
    for (const target of targets) {
      const module = moduleOf(target);
      if (module === moduleOf(file)) continue;
      const inner = target.slice(module.length + 1).split('/');
      if (inner.length > 1 && inner[inner.length - 1] !== 'index.ts') note(file, target);
    }
    for (const access of storeReadsThroughAnotherObject(join(root, file))) note(file, access);
  }
  for (const [file, what] of found) found.set(file, [...new Set(what)]);
  return found;
}

/** `a.b.store` reads (the chain not starting at `this`), as written; `Atomics.store(...)` calls are not reads. */
function storeReadsThroughAnotherObject(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const reads: string[] = [];
  const rootOf = (e: ts.Expression): ts.Expression => (ts.isPropertyAccessExpression(e) ? rootOf(e.expression) : e);
  const visit = (node: ts.Node): void => {
    if (
      ts.isPropertyAccessExpression(node) && node.name.text === 'store' && ts.isPropertyAccessExpression(node.expression) &&
      rootOf(node).kind !== ts.SyntaxKind.ThisKeyword && !(ts.isCallExpression(node.parent) && node.parent.expression === node)
    ) {
      reads.push(node.getText(source));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return reads;
}

function main(): void {
  const root = resolve(process.argv[2] ?? join(__dirname, '..'));
  const out = (line = ''): void => void process.stdout.write(`${line}\n`);
  out(`architecture metrics of ${root}`);
  out();

  const handlers = handlerSizes(root);
  out(`lines per handler (functions/*.ts, functions/lib excluded): ${handlers.length} handlers`);
  for (const h of [...handlers].sort((a, b) => b.lines - a.lines)) out(`  ${String(h.lines).padStart(5)} lines ${String(h.codeLines).padStart(5)} code  ${h.file}`);
  const total = handlers.reduce((s, h) => s + h.lines, 0);
  const code = handlers.reduce((s, h) => s + h.codeLines, 0);
  if (handlers.length > 0) out(`  mean ${(total / handlers.length).toFixed(1)} lines (${(code / handlers.length).toFixed(1)} code), max ${Math.max(...handlers.map((h) => h.lines))}`);
  out();

  const functions = functionSizes(root);
  out(`longest functions (${TREE.join(', ')}; ${functions.length} functions):`);
  for (const f of functions.slice(0, 5)) out(`  ${String(f.lines).padStart(5)} lines  ${f.name}  ${f.file}`);
  out();

  const reaching = reachesIntoInternals(root);
  out(`files reaching into another module's internals: ${reaching.size}`);
  for (const [file, what] of [...reaching].sort(([a], [b]) => a.localeCompare(b))) out(`  ${file} -> ${what.join(', ')}`);
  out();

  const cycles = findCycles(importGraph(root, TREE));
  out(`import cycles: ${cycles.length}`);
  for (const c of cycles) out(`  ${c.join(' -> ')}`);
}

if (require.main === module) main();
