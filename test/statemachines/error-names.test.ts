/**
 * Error names are a contract between the definitions and the code: a Retry or Catch that names an error
 * nobody raises never fires. Every `ErrorEquals` name in statemachines/*.asl.yml must be a States error,
 * an AWS error the Task's own integration raises (test/fixtures/aws/step-functions-error-names.json,
 * each with the page it comes from), or a name some code in src/, functions/ or local/ throws.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import YAML from 'yaml';
import AWS_ERRORS from '../fixtures/aws/step-functions-error-names.json';

const ROOT = join(__dirname, '..', '..');

/** Names a definition may match although nothing raises them yet, each with why (another issue fixes the definition). */
const KNOWN_UNRAISED: Record<string, string> = {};

type State = { Type?: string; Resource?: unknown; Retry?: Rule[]; Catch?: Rule[]; Iterator?: Machine; ItemProcessor?: Machine; Branches?: Machine[] };
type Rule = { ErrorEquals: string[] };
type Machine = { States: Record<string, State> };

interface Matcher {
  state: string;
  kind: 'Retry' | 'Catch';
  resource: string;
  name: string;
}

/** The definition's Retry/Catch names, nested states (Map, Parallel) included. */
function matchersOf(machine: Machine, prefix = ''): Matcher[] {
  return Object.entries(machine.States).flatMap(([stateName, state]) => {
    const path = `${prefix}${stateName}`;
    const own = (['Retry', 'Catch'] as const).flatMap((kind) =>
      (state[kind] ?? []).flatMap((rule) => rule.ErrorEquals.map((name) => ({ state: path, kind, resource: resourceOf(state.Resource), name }))),
    );
    const nested = [state.Iterator, state.ItemProcessor, ...(state.Branches ?? [])].filter((m): m is Machine => !!m);
    return [...own, ...nested.flatMap((m) => matchersOf(m, `${path}/`))];
  });
}

/** `!GetAtt fn.Arn` in a Resource is one of our Lambda functions. */
function resourceOf(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const getAtt = (resource as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt'];
  return getAtt ? `arn:aws:lambda:::function:${getAtt[0]}` : '';
}

/** CloudFormation's short-form tags (`!GetAtt`, `!Ref`, ...) in their long form, so the file parses as YAML. */
const CFN_TAGS = ['Ref', 'Sub', 'GetAtt', 'Join'].flatMap((tag) => {
  const key = tag === 'Ref' ? 'Ref' : `Fn::${tag}`;
  const wrap = (value: unknown) => ({ [key]: tag === 'GetAtt' && typeof value === 'string' ? value.split('.') : value });
  return [
    { tag: `!${tag}`, resolve: (value: string) => wrap(value) },
    { tag: `!${tag}`, collection: 'seq' as const, resolve: (seq: { toJSON(): unknown }) => wrap(seq.toJSON()) },
  ];
});

const DEFINITIONS = readdirSync(join(ROOT, 'statemachines')).filter((f) => f.endsWith('.asl.yml')).sort();
const loadDefinition = (file: string) => YAML.parse(readFileSync(join(ROOT, 'statemachines', file), 'utf8'), { customTags: CFN_TAGS as never }) as Machine;

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourcesUnder(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * The error names the code raises, found in its source: an error class's `name` literal, a name given to
 * an error built by name (`namedError('X', …)`, `new XxxError('Name', message…)`), and the error a task is
 * failed with (`sendTaskFailure(token, 'X' | CONSTANT, …)`).
 */
function namesRaisedByCode(files: string[]): Map<string, string> {
  const raised = new Map<string, string>();
  const texts = files.map((file) => [relative(ROOT, file), readFileSync(file, 'utf8')] as const);
  const constants = new Map(texts.flatMap(([, text]) => [...text.matchAll(/\bconst ([A-Z][A-Z0-9_]*) = '([^']+)'/g)].map((m) => [m[1], m[2]] as const)));
  const patterns = [
    /(?:override\s+|readonly\s+)+name\s*(?::\s*string\s*)?=\s*'([^']+)'/g,
    /\bnamedError\(\s*'([^']+)'/g,
    /\bnew (?!(?:Error|TypeError|RangeError)\()\w+Error\(\s*'([A-Z]\w*(?:\.\w+)*)'\s*,/g,
    /\bsendTaskFailure\([^,]+,\s*(?:'([^']+)'|([A-Z][A-Z0-9_]*))\s*,/g,
  ];
  for (const [file, text] of texts) {
    for (const pattern of patterns) {
      for (const m of text.matchAll(pattern)) {
        const name = m[1] ?? constants.get(m[2]);
        if (name && !raised.has(name)) raised.set(name, file);
      }
    }
  }
  return raised;
}

const RAISED_BY_CODE = namesRaisedByCode(['src', 'functions', 'local'].flatMap((dir) => sourcesUnder(join(ROOT, dir))));
const STATES_ERRORS = new Set(AWS_ERRORS.statesErrors.names);

/** Why a name cannot be matched where it stands, or undefined when something raises it there. */
function whyUnraised({ name, resource }: Matcher): string | undefined {
  if (name.startsWith('States.')) return STATES_ERRORS.has(name) ? undefined : 'is not an error Step Functions defines';
  const service = AWS_ERRORS.serviceErrors.find((e) => e.name === name);
  if (service) return new RegExp(service.resource).test(resource) ? undefined : `is raised by ${service.resource}, not by ${resource}`;
  if (/^[A-Z][A-Za-z]*\.\w+$/.test(name)) return 'looks like an AWS error but is not in test/fixtures/aws/step-functions-error-names.json';
  return RAISED_BY_CODE.has(name) ? undefined : 'is thrown by nothing in src/, functions/ or local/';
}

describe('State machines: error names', () => {
  describe.each(DEFINITIONS)('%s', (file) => {
    const matchers = matchersOf(loadDefinition(file));

    it('matches only States errors, errors the Task’s own AWS integration raises, or names our code throws', () => {
      const offending = matchers
        .filter((m) => !(m.name in KNOWN_UNRAISED))
        .map((m) => ({ m, why: whyUnraised(m) }))
        .filter(({ why }) => why)
        .map(({ m, why }) => `${file} › ${m.state} (${m.kind}): ${m.name} ${why}`);
      expect(offending).toEqual([]);
    });
  });

  it('finds the names the code raises by class, by name and by task failure', () => {
    expect(RAISED_BY_CODE.get('InsufficientDataError')).toBe('src/core/errors.ts');
    expect(RAISED_BY_CODE.get('StoreError')).toBe('src/ports/errors.ts');
    expect(RAISED_BY_CODE.has('ApprovalRejected')).toBe(true);
    expect(RAISED_BY_CODE.has('TrainingJobError')).toBe(true);
  });

  it('flags a name nobody raises and an AWS error matched on another integration', () => {
    expect(whyUnraised({ state: 'S', kind: 'Catch', resource: 'arn:aws:lambda:::function:f', name: 'NoSuchError' })).toMatch(/thrown by nothing/);
    expect(whyUnraised({ state: 'S', kind: 'Retry', resource: 'arn:aws:states:::aws-sdk:sagemaker:describeEndpoint', name: 'SageMaker.AmazonSageMakerException' })).toMatch(/is raised by/);
    expect(whyUnraised({ state: 'S', kind: 'Catch', resource: '', name: 'States.Timout' })).toMatch(/not an error Step Functions defines/);
  });

  it('allows no name as unraised that something now raises (drop it from KNOWN_UNRAISED)', () => {
    for (const name of Object.keys(KNOWN_UNRAISED)) expect({ name, raised: RAISED_BY_CODE.has(name) }).toEqual({ name, raised: false });
  });
});
