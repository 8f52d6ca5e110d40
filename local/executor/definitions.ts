/**
 * The state machine definitions the cloud deploys, loaded for the twin. serverless.yml names each state
 * machine and includes its file from statemachines/; both runtimes read that same file. References the
 * Serverless Framework resolves at deploy time (`Fn::GetAtt: [fn, Arn]` for a function, `Ref: Resource`)
 * are resolved here to the twin's own ARNs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';

export const PROJECT_ROOT = join(__dirname, '..', '..');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Definition = { StartAt: string; States: Record<string, Record<string, Json>>; [key: string]: Json };

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

export interface ServerlessConfig {
  service: string;
  functions: Record<string, { handler: string }>;
  stateMachines: Record<string, { name: string; definitionFile: string; logicalId?: string }>;
}

/** The parts of serverless.yml the twin needs: functions' handlers and where each definition lives. */
export function readServerlessConfig(root = PROJECT_ROOT): ServerlessConfig {
  const text = readFileSync(join(root, 'serverless.yml'), 'utf8');
  const config = parseYaml(text, 'serverless.yml') as {
    service: string;
    functions?: Record<string, { handler: string }>;
    stepFunctions?: { stateMachines?: Record<string, { name?: string; id?: string; definition?: unknown }> };
  };
  const stateMachines: ServerlessConfig['stateMachines'] = {};
  for (const [key, machine] of Object.entries(config.stepFunctions?.stateMachines ?? {})) {
    const match = /^\$\{file\((.+?)\)\}$/.exec(String(machine.definition ?? ''));
    if (!match) throw new Error(`serverless.yml: state machine ${key} must include its definition with \${file(statemachines/...)}`);
    stateMachines[key] = { name: key, definitionFile: match[1], ...(machine.id ? { logicalId: machine.id } : {}) };
  }
  return { service: config.service, functions: config.functions ?? {}, stateMachines };
}

/** The definition exactly as the file holds it (references unresolved). */
export function loadRawDefinition(stateMachine: string, root = PROJECT_ROOT): Definition {
  const config = readServerlessConfig(root);
  const machine = config.stateMachines[stateMachine];
  if (!machine) throw new Error(`serverless.yml has no state machine ${stateMachine} (it has ${Object.keys(config.stateMachines).join(', ')})`);
  return parseYaml(readFileSync(join(root, machine.definitionFile), 'utf8'), machine.definitionFile) as Definition;
}

export interface ReferenceResolver {
  /** `Fn::GetAtt: [functionName, Arn]` */
  functionArn(functionName: string): string;
  /** `Ref: LogicalId` */
  ref(logicalId: string): string;
}

/** Replaces CloudFormation references with concrete values, everywhere in the definition. */
export function resolveReferences<T extends Json>(value: T, resolver: ReferenceResolver): T {
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, resolver)) as T;
  if (value && typeof value === 'object') {
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) {
      if (getAtt[1] !== 'Arn') throw new Error(`unsupported Fn::GetAtt ${JSON.stringify(getAtt)}: only [function, Arn]`);
      return resolver.functionArn(String(getAtt[0])) as T;
    }
    if (typeof value.Ref === 'string') return resolver.ref(value.Ref) as T;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, resolver)])) as T;
  }
  return value;
}

/** Every Task state, nested ones (Parallel branches, Map processors) included. */
export function taskStates(definition: Definition): Array<[string, Record<string, Json>]> {
  const found: Array<[string, Record<string, Json>]> = [];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Task') found.push([name, state]);
    for (const branch of (state.Branches as Definition[] | undefined) ?? []) found.push(...taskStates(branch));
    const processor = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
    if (processor) found.push(...taskStates(processor));
  }
  return found;
}
