/**
 * The state machine definitions the cloud deploys, loaded for the twin. serverless.yml includes its
 * functions and state machines from serverless/ (resolved here as the Framework does, see
 * ./serverless-includes); each state machine includes its definition from statemachines/, and both
 * runtimes read that same file. References the Serverless Framework resolves at deploy time
 * (`Fn::GetAtt: [fn, Arn]` for a function, `Ref: Resource`) are resolved here to the twin's own ARNs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml, resolveFileIncludes } from './serverless-includes';

export { parseYaml };

export const PROJECT_ROOT = join(__dirname, '..', '..');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Definition = { StartAt: string; States: Record<string, Record<string, Json>>; [key: string]: Json };

export interface ServerlessConfig {
  service: string;
  functions: Record<string, { handler: string }>;
  stateMachines: Record<string, { name: string; definitionFile: string; logicalId?: string }>;
}

/** The parts of serverless.yml the twin needs: functions' handlers and where each definition lives. */
export function readServerlessConfig(root = PROJECT_ROOT): ServerlessConfig {
  const text = readFileSync(join(root, 'serverless.yml'), 'utf8');
  const { service, functions, stepFunctions } = parseYaml(text, 'serverless.yml') as { service: string; functions?: unknown; stepFunctions?: unknown };
  // The definition stays `${file(statemachines/...)}`: the twin reads that file itself (loadRawDefinition).
  const config = {
    service,
    functions: resolveFileIncludes(functions, { root }) as Record<string, { handler: string }> | undefined,
    stepFunctions: resolveFileIncludes(stepFunctions, { root, keep: new Set(['definition']) }) as
      | { stateMachines?: Record<string, { name?: string; id?: string; definition?: unknown }> }
      | undefined,
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
