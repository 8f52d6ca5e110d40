/**
 * A static check of a state machine's JSONPath reads: walks every path through the definition from its
 * start input's documented shape, tracks which fields are known to exist (Parameters, ResultSelector,
 * ResultPath, OutputPath, Catch's `{Error, Cause}`), and reports each path a state reads that is missing
 * on some path into it. On AWS such a read is a `States.Runtime` error, which no Catch can handle.
 *
 * A shape is a tree of fields known to exist; `ANY` stands for a value whose fields cannot be known
 * statically (a Lambda's result, a nested execution's output): reads below it are accepted.
 */
import type { Definition, Json } from '../../local/executor/definitions';

export const ANY = { any: true } as const;
export type Shape = typeof ANY | { fields: Record<string, Shape> };

export interface MissingRead {
  state: string;
  /** Where the state reads it: `Parameters`, `Choice Variable`, `ResultSelector`... */
  field: string;
  path: string;
  /** The states entered before this one on a path where the read misses. */
  via: string[];
}

export const object = (fields: Record<string, Shape>): Shape => ({ fields });
const isAny = (s: Shape): s is typeof ANY => 'any' in s;

/**
 * What an integration returns, where the API reference documents the fields our definitions select. An
 * integration not listed returns `ANY` (a Lambda's result is whatever the function returns).
 */
const RESULT_FIELDS: Array<[RegExp, string[]]> = [
  [/^arn:aws:states:::sagemaker:createTrainingJob\.sync$/, ['TrainingJobName', 'TrainingJobStatus', 'ModelArtifacts', 'FinalMetricDataList']],
  [/^arn:aws:states:::sagemaker:createTransformJob\.sync$/, ['TransformJobName', 'TransformJobStatus', 'TransformOutput']],
  [/^arn:aws:states:::sagemaker:createModel$/, ['ModelArn']],
  [/^arn:aws:states:::sagemaker:createEndpointConfig$/, ['EndpointConfigArn']],
  [/^arn:aws:states:::sagemaker:(createEndpoint|updateEndpoint)$/, ['EndpointArn']],
  [/^arn:aws:states:::aws-sdk:sagemaker:createModelPackage$/, ['ModelPackageArn']],
  [/^arn:aws:states:::aws-sdk:sagemaker:describeEndpoint$/, ['EndpointName', 'EndpointArn', 'EndpointConfigName', 'EndpointStatus']],
  [/^arn:aws:states:::aws-sdk:sfn:listExecutions$/, ['Executions']],
  [/^arn:aws:states:::states:startExecution$/, ['ExecutionArn', 'StartDate']],
  [/^arn:aws:states:::states:startExecution\.sync(:2)?$/, ['ExecutionArn', 'Status', 'Output']],
  [/^arn:aws:states:::sns:publish$/, ['MessageId']],
];

function taskResult(resource: Json): Shape {
  if (typeof resource !== 'string') return ANY; // Fn::GetAtt of a function: a Lambda
  const known = RESULT_FIELDS.find(([pattern]) => pattern.test(resource));
  return known ? object(Object.fromEntries(known[1].map((f) => [f, ANY]))) : ANY;
}

/** `$.a.b[0].c` -> ['a', 'b', '[0]', 'c']; `$` -> []. */
export function segments(path: string): string[] {
  return path.slice(1).match(/\.[^.[]+|\[[^\]]*\]/g)?.map((s) => (s.startsWith('.') ? s.slice(1) : s)) ?? [];
}

function lookup(shape: Shape, path: string): Shape | undefined {
  let at: Shape = shape;
  for (const seg of segments(path)) {
    if (isAny(at)) return ANY;
    if (seg.startsWith('[')) return ANY; // an array element: arrays' items are not tracked
    const next: Shape | undefined = at.fields[seg];
    if (!next) return undefined;
    at = next;
  }
  return at;
}

function assign(shape: Shape, path: string, value: Shape): Shape {
  const segs = segments(path);
  if (segs.length === 0) return value;
  const put = (at: Shape, i: number): Shape => {
    if (isAny(at)) return ANY;
    const child = at.fields[segs[i]] ?? object({});
    return object({ ...at.fields, [segs[i]]: i === segs.length - 1 ? value : put(child, i + 1) });
  };
  return put(shape, 0);
}

/** The `$.`-paths an expression reads: a plain path, or those inside an intrinsic function's arguments. */
export function readsOf(expression: string): string[] {
  if (expression.startsWith('$$')) return [];
  if (/^\$(\.|\[|$)/.test(expression)) return [expression];
  return [...expression.matchAll(/(?<![$\w])\$(?:\.[\w-]+|\[\d+\])+/g)].map((m) => m[0]);
}

type Read = { field: string; path: string };

/** Evaluates a payload template (Parameters, ResultSelector, ItemSelector) against a shape. */
function template(value: Json, input: Shape, field: string, reads: Read[]): Shape {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return ANY;
  const fields: Record<string, Shape> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.endsWith('.$') && typeof v === 'string') {
      for (const path of readsOf(v)) reads.push({ field, path });
      const plain = /^\$(\.|\[|$)/.test(v) ? lookup(input, v) : undefined;
      fields[key.slice(0, -2)] = plain ?? ANY;
    } else {
      fields[key] = v && typeof v === 'object' && !Array.isArray(v) ? template(v, input, field, reads) : ANY;
    }
  }
  return object(fields);
}

interface Edge {
  next: string;
  output: Shape;
}

type State = Record<string, Json>;

/** One state: what it reads, and the shape each of its transitions carries. */
function step(name: string, state: State, input: Shape, startShapes: (branch: Definition, input: Shape) => MissingRead[], nested: MissingRead[]): { reads: Read[]; edges: Edge[] } {
  const reads: Read[] = [];
  const rawInput = input;
  let effective = input;
  if (typeof state.InputPath === 'string') {
    reads.push({ field: 'InputPath', path: state.InputPath });
    effective = lookup(input, state.InputPath) ?? ANY;
  }
  const type = state.Type;
  if (typeof state.TimeoutSecondsPath === 'string') reads.push({ field: 'TimeoutSecondsPath', path: state.TimeoutSecondsPath });
  if (typeof state.HeartbeatSecondsPath === 'string') reads.push({ field: 'HeartbeatSecondsPath', path: state.HeartbeatSecondsPath });

  const finish = (result: Shape): Shape => {
    let out: Shape;
    if (state.ResultPath === null) out = rawInput;
    else out = assign(rawInput, typeof state.ResultPath === 'string' ? state.ResultPath : '$', result);
    if (typeof state.OutputPath === 'string') {
      reads.push({ field: 'OutputPath', path: state.OutputPath });
      out = lookup(out, state.OutputPath) ?? ANY;
    }
    return out;
  };
  const catches = (): Edge[] =>
    ((state.Catch as Array<{ Next: string; ResultPath?: string | null }> | undefined) ?? []).map((c) => ({
      next: c.Next,
      output: c.ResultPath === null ? rawInput : assign(rawInput, c.ResultPath ?? '$', object({ Error: ANY, Cause: ANY })),
    }));
  const next = (output: Shape): Edge[] => (typeof state.Next === 'string' ? [{ next: state.Next, output }] : []);

  switch (type) {
    case 'Pass': {
      let result: Shape = effective;
      if (state.Parameters !== undefined) result = template(state.Parameters, effective, 'Parameters', reads);
      else if (state.Result !== undefined) result = template(state.Result, effective, 'Result', reads);
      return { reads, edges: next(finish(result)) };
    }
    case 'Task': {
      if (state.Parameters !== undefined) template(state.Parameters, effective, 'Parameters', reads);
      let result = taskResult(state.Resource);
      if (state.ResultSelector !== undefined) {
        const selectorReads: Read[] = [];
        result = template(state.ResultSelector, result, 'ResultSelector', selectorReads);
        // ResultSelector reads the task's result, not the state's input: check it against the result's shape.
        for (const r of selectorReads) if (!lookup(taskResult(state.Resource), r.path)) nested.push({ state: name, field: r.field, path: r.path, via: [] });
      }
      return { reads, edges: [...next(finish(result)), ...catches()] };
    }
    case 'Map':
    case 'Parallel': {
      let itemInput = effective;
      if (type === 'Map') {
        if (typeof state.ItemsPath === 'string') reads.push({ field: 'ItemsPath', path: state.ItemsPath });
        const selector = state.ItemSelector ?? state.Parameters;
        if (selector !== undefined) itemInput = template(selector, effective, 'ItemSelector', reads);
        const processor = (state.ItemProcessor ?? state.Iterator) as Definition;
        nested.push(...startShapes(processor, itemInput).map((m) => ({ ...m, state: `${name} > ${m.state}` })));
      } else {
        for (const [i, branch] of ((state.Branches as Definition[]) ?? []).entries()) {
          nested.push(...startShapes(branch, itemInput).map((m) => ({ ...m, state: `${name}[${i}] > ${m.state}` })));
        }
      }
      // The result is an array of the iterations' outputs: its items are not tracked.
      let result: Shape = ANY;
      if (state.ResultSelector !== undefined) result = template(state.ResultSelector, ANY, 'ResultSelector', []);
      return { reads, edges: [...next(finish(result)), ...catches()] };
    }
    case 'Choice': {
      const edges: Edge[] = [];
      const ruleReads = (rule: Record<string, Json>): Read[] => {
        const found: Read[] = [];
        for (const nestedRule of [...((rule.And as Json[]) ?? []), ...((rule.Or as Json[]) ?? []), ...(rule.Not ? [rule.Not] : [])]) {
          found.push(...ruleReads(nestedRule as Record<string, Json>));
        }
        // IsPresent is the one test that may look at a missing path.
        if (typeof rule.Variable === 'string' && rule.IsPresent === undefined) found.push({ field: 'Choice Variable', path: rule.Variable });
        for (const [key, v] of Object.entries(rule)) {
          if (key.endsWith('Path') && typeof v === 'string') found.push({ field: `Choice ${key}`, path: v });
        }
        return found;
      };
      for (const rule of (state.Choices as Array<Record<string, Json>>) ?? []) {
        reads.push(...ruleReads(rule));
        // A branch taken because a path IsPresent (alone, or as one term of an And) knows that path exists.
        const presentPaths = (r: Record<string, Json>): string[] =>
          typeof r.Variable === 'string' && r.IsPresent === true
            ? [r.Variable]
            : ((r.And as Array<Record<string, Json>>) ?? []).flatMap(presentPaths);
        const output = presentPaths(rule).reduce((shape, path) => assign(shape, path, lookup(shape, path) ?? ANY), effective);
        edges.push({ next: String(rule.Next), output });
      }
      if (typeof state.Default === 'string') edges.push({ next: state.Default, output: effective });
      return { reads, edges };
    }
    case 'Wait':
      for (const key of ['SecondsPath', 'TimestampPath']) if (typeof state[key] === 'string') reads.push({ field: key, path: state[key] as string });
      return { reads, edges: next(finish(effective)) };
    case 'Fail':
      for (const key of ['ErrorPath', 'CausePath']) if (typeof state[key] === 'string') reads.push({ field: key, path: state[key] as string });
      return { reads, edges: [] };
    default:
      return { reads, edges: [] };
  }
}

/** Every read that misses on some path from the start; each (state, path) reported once, with the first path found. */
export function missingReads(definition: Definition, start: Shape): MissingRead[] {
  const found = new Map<string, MissingRead>();
  const report = (m: MissingRead) => {
    const key = `${m.state}|${m.field}|${m.path}`;
    if (!found.has(key)) found.set(key, m);
  };
  const visit = (name: string, input: Shape, via: string[]) => {
    const state = definition.States[name] as State | undefined;
    if (!state) return;
    const nested: MissingRead[] = [];
    const { reads, edges } = step(name, state, input, missingReads, nested);
    for (const r of reads) if (!lookup(input, r.path)) report({ state: name, field: r.field, path: r.path, via });
    nested.forEach(report);
    for (const edge of edges) {
      // Simple paths only: a loop adds no field the first pass through it did not.
      if (via.includes(edge.next) || edge.next === name) continue;
      visit(edge.next, edge.output, [...via, name]);
    }
  };
  visit(definition.StartAt, start, []);
  return [...found.values()];
}
