import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findCycles, importGraph, importsOf } from '../../scripts/import-graph';

/** A small tree on disk: path → source. */
function aTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'import-graph-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('Function: importGraph', () => {
  const root = aTree({
    'src/a.ts': "import { b } from './b';\nimport type { C } from './c';\nimport 'node:fs';\nexport const a = 1;\n",
    'src/b.ts': "import './lib'; // side effect only\nexport const b = require('../local/x');\n",
    'src/c/index.ts': "export type C = number;\nconst later = import('../a');\n",
    'src/lib/index.ts': 'export {};\n',
    'local/x.ts': "// import { nothing } from '../src/a' in a comment is not an import\nexport const x = 1;\n",
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds every kind of import, comments aside, and resolves relative ones to x.ts or x/index.ts', () => {
    // Act
    const graph = importGraph(root, ['src', 'local']);
    // Assess
    expect(importsOf(join(root, 'src/a.ts'))).toEqual(['./b', './c', 'node:fs']);
    expect(Object.fromEntries(graph)).toEqual({
      'src/a.ts': ['src/b.ts', 'src/c/index.ts'],
      'src/b.ts': ['src/lib/index.ts', 'local/x.ts'],
      'src/c/index.ts': ['src/a.ts'],
      'src/lib/index.ts': [],
      'local/x.ts': [],
    });
  });

  it('reports each cycle as a path from its first file back to it', () => {
    // Act
    const cycles = findCycles(importGraph(root, ['src', 'local']));
    // Assess
    expect(cycles).toEqual([['src/a.ts', 'src/c/index.ts', 'src/a.ts']]);
  });

  it('reports one path per cycle, self-imports included, and nothing for a tree without cycles', () => {
    expect(findCycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a', 'd']], ['d', ['d']], ['e', ['a']]]))).toEqual([
      ['a', 'b', 'c', 'a'],
      ['d', 'd'],
    ]);
    expect(findCycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });
});
