/**
 * serverless.yml's `${file(...)}` includes, resolved as the Serverless Framework (osls) resolves them
 * (lib/configuration/variables/sources/file.js), so the twin reads the same functions and state machines
 * that `sls package` does: the path is relative to the service directory whichever file the include sits
 * in; YAML (with CloudFormation's short tags) and JSON are parsed; a JS module is required and, where it
 * or the addressed property is a function, called; `:a.b` addresses a property. What an include returns
 * is resolved in turn. Other variables (`${self:...}`, `${sls:stage}`) stay as written: the twin needs
 * none of their values. A `${file(...)}` this module cannot read the Framework's way is an error, never
 * a silent difference.
 */
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import YAML from 'yaml';

/** CloudFormation's short-form tags, kept as their long form so nothing is lost in parsing. */
const CFN_TAGS = ['Ref', 'Sub', 'GetAtt', 'Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'ImportValue', 'Base64', 'GetAZs', 'Cidr'].flatMap(
  (name) => {
    const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
    const resolve = (value: unknown) => ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value });
    return [
      { tag: `!${name}`, resolve: (str: string) => resolve(str) },
      { tag: `!${name}`, collection: 'seq' as const, resolve: (seq: { toJSON(): unknown }) => resolve(seq.toJSON()) },
      { tag: `!${name}`, collection: 'map' as const, resolve: (map: { toJSON(): unknown }) => resolve(map.toJSON()) },
    ];
  },
);

export function parseYaml(text: string, source: string): unknown {
  try {
    return YAML.parse(text, { customTags: CFN_TAGS as never, merge: true });
  } catch (error) {
    throw new Error(`${source}: ${(error as Error).message}`);
  }
}

/** `${file(path)}` or `${file(path):address}` as a whole value (quotes around the path allowed). */
const WHOLE_INCLUDE = /^\$\{file\(\s*(['"]?)([^'")]+)\1\s*\)(?::([\w.-]+))?\}$/;

export interface IncludeOptions {
  /** The service directory: where serverless.yml is, and what every include's path is relative to. */
  root: string;
  /** Keys whose value is kept as written (e.g. a state machine's `definition`, which the twin reads itself). */
  keep?: ReadonlySet<string>;
}

/** `value` with every `${file(...)}` include replaced by what it includes, at any depth. */
export function resolveFileIncludes(value: unknown, options: IncludeOptions): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${file(')) return value;
    const match = WHOLE_INCLUDE.exec(value.trim());
    if (!match) throw new Error(`the twin reads only whole-value \${file(...)} includes, not ${JSON.stringify(value)}`);
    return resolveFileIncludes(include(match[2], match[3], options.root), options);
  }
  if (Array.isArray(value)) return value.map((item) => resolveFileIncludes(item, options));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, options.keep?.has(key) ? item : resolveFileIncludes(item, options)]),
    );
  }
  return value;
}

function include(path: string, address: string | undefined, root: string): unknown {
  const file = resolve(root, path);
  const source = `\${file(${path})${address ? `:${address}` : ''}}`;
  const { content, calledAFunction } = load(file, source);
  let result = content;
  let called = calledAFunction;
  for (const key of address ? address.split('.') : []) {
    if (result === null || typeof result !== 'object' || !Object.hasOwn(result, key)) throw new Error(`${source}: no property ${key}`);
    result = (result as Record<string, unknown>)[key];
    // As the Framework: a function found on the way is called once, unless the module itself was one.
    if (!called && typeof result === 'function') {
      result = callAsTheFramework(result, source);
      called = true;
    }
  }
  if (result === null || result === undefined) throw new Error(`${source}: resolves to nothing`);
  return result;
}

function load(file: string, source: string): { content: unknown; calledAFunction: boolean } {
  switch (extname(file)) {
    case '.yml':
    case '.yaml':
      return { content: parseYaml(readFileSync(file, 'utf8'), source), calledAFunction: false };
    case '.json':
      return { content: JSON.parse(readFileSync(file, 'utf8')), calledAFunction: false };
    case '.js':
    case '.cjs': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the Framework requires it too
      const module: unknown = require(file);
      return typeof module === 'function'
        ? { content: callAsTheFramework(module, source), calledAFunction: true }
        : { content: module, calledAFunction: false };
    }
    default:
      return { content: readFileSync(file, 'utf8'), calledAFunction: false };
  }
}

/** The Framework passes its own resolvers; the twin has none, so a module that asks for one fails loudly. */
function callAsTheFramework(fn: Function, source: string): unknown {
  const unsupported = () => {
    throw new Error(`${source}: the twin cannot resolve Framework variables from a JS include`);
  };
  const result = fn({ options: {}, resolveConfigurationProperty: unsupported, resolveVariable: unsupported });
  if (result instanceof Promise) throw new Error(`${source}: the twin reads serverless.yml synchronously; return a value, not a promise`);
  return result;
}
