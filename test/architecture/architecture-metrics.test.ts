import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { functionSizes, handlerSizes, reachesIntoInternals } from '../../scripts/architecture-metrics';

/** A small project tree on disk: path → source. */
function aTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'architecture-metrics-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('scripts/architecture-metrics', () => {
  const root = aTree({
    'functions/handler.ts': [
      '/**',
      ' * A handler.',
      ' */',
      "import { port } from '../src/adapters/aws/port';",
      "import { ok } from '../src/adapters/aws';",
      '',
      '// parse, then call',
      'export const handler = async (event: unknown) => {',
      '  return port(event) && ok;',
      '};',
    ].join('\n') + '\n',
    'functions/lib/middleware.ts': 'export const m = 1;\n',
    'src/adapters/aws/index.ts': "export { port } from './port';\nexport const ok = true;\n",
    'src/adapters/aws/port.ts': 'export function port(e: unknown): boolean {\n  return e !== undefined;\n}\n',
    'local/pipeline.ts': 'export class Pipeline {\n  run(): number {\n    const a = 1;\n    const b = 2;\n    return a + b;\n  }\n}\n',
    'local/http/routes.ts': "import type { Pipeline } from '../pipeline';\nexport const list = (pipeline: Pipeline & { stepFunctions: { store: { list(): [] } } }) => pipeline.stepFunctions.store.list();\n",
    'local/executor/sfn.ts': 'export class Sfn {\n  store = { list: () => [] };\n  all() {\n    return this.store.list();\n  }\n}\n',
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('counts lines and code lines of each handler, functions/lib excluded', () => {
    expect(handlerSizes(root)).toEqual([{ file: 'functions/handler.ts', lines: 10, codeLines: 5 }]);
  });

  it('names the longest function with its file and length, methods by their class', () => {
    expect(functionSizes(root)[0]).toEqual({ name: 'Pipeline.run', file: 'local/pipeline.ts', lines: 5 });
  });

  it("finds files importing past another module's index, or reading a store through another object", () => {
    expect(Object.fromEntries(reachesIntoInternals(root))).toEqual({
      'functions/handler.ts': ['src/adapters/aws/port.ts'],
      'local/http/routes.ts': ['pipeline.stepFunctions.store'],
    });
  });
});
