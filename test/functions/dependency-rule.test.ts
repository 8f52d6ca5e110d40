/**
 * Handlers are entry points: each imports the use cases, the ports and AWS adapters it wires, and the
 * shared middleware, never the twin (local/) and never another handler (shared types live with the use
 * case or in the core).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(__dirname, '..', '..', 'functions');
const handlers = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
const importsOf = (file: string) => [...readFileSync(join(DIR, file), 'utf8').matchAll(/(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]);

describe('Architecture: handlers', () => {
  it.each(handlers)('functions/%s reaches neither the twin nor another handler', (file) => {
    for (const spec of importsOf(file)) {
      expect(spec).not.toMatch(/(^|\/)local\//);
      expect({ spec, anotherHandler: /^\.\/[^/]+$/.test(spec) }).toEqual({ spec, anotherHandler: false });
    }
  });
});
