/**
 * Every JSONPath a state reads exists on every path into it. On AWS a read of a missing path is a
 * `States.Runtime` error: no Catch handles it, and the execution fails wherever it stands (after a
 * production deployment, say). The start input's shape is the one its starters send: the twin's and the
 * monitoring machine's StartExecution for training, the Input field of the Task that starts the others.
 */
import { loadRawDefinition, readServerlessConfig, type Definition, type Json } from '../../local/executor/definitions';
import { ANY, missingReads, object, readsOf, type MissingRead, type Shape } from './jsonpath-check';

/** The Input a Task passes to the machine it starts: its fields are known to exist, their values not. */
function inputOf(machine: string, state: string): Shape {
  const input = (loadRawDefinition(machine).States[state].Parameters as Record<string, Json>).Input as Record<string, Json>;
  const names = Object.keys(input).map((k) => k.replace(/\.\$$/, '')).filter((k) => k !== 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID');
  return object(Object.fromEntries(names.map((n) => [n, ANY])));
}

const START_INPUTS: Record<string, () => Shape> = {
  // pipeline.startTraining and monitoring's StartRetraining both send asOf and reason.
  training: () => object({ asOf: ANY, reason: ANY }),
  deployment: () => inputOf('training', 'StartDeployment'),
  deployEndpoint: () => inputOf('deployment', 'DeployStaging'),
  // The hourly schedule's input carries nothing the definition may rely on.
  monitoring: () => object({}),
};

const table = (machine: string, missing: MissingRead[]) =>
  missing.map((m) => `${machine}: ${m.state} reads ${m.path} (${m.field}), missing after ${m.via.join(' > ') || '(start)'}`);

describe('State machines: every JSONPath a state reads exists on every path into it', () => {
  const machines = Object.keys(readServerlessConfig().stateMachines);

  it('knows a start input for every machine', () => {
    expect(machines.sort()).toEqual(Object.keys(START_INPUTS).sort());
  });

  it.each(machines)('%s', (machine) => {
    const missing = missingReads(loadRawDefinition(machine), START_INPUTS[machine]());
    const lines = table(machine, missing);
    console.log(lines.length ? lines.join('\n') : `${machine}: every read exists on every path`);
    expect(lines).toEqual([]);
  });

  it('catches a Catch that writes one path while a later state reads another (issue 11, item 3)', () => {
    // Prepare: the deployment machine as it was, its UpdateThreshold Catch writing $.thresholdError.
    const definition = JSON.parse(JSON.stringify(loadRawDefinition('deployment'))) as Definition;
    (definition.States.UpdateThreshold.Catch as Array<Record<string, Json>>)[0].ResultPath = '$.thresholdError';

    // Act
    const missing = missingReads(definition, START_INPUTS.deployment());

    // Assess
    console.log(table('deployment (old UpdateThreshold Catch)', missing).join('\n'));
    expect(missing).toContainEqual(expect.objectContaining({ state: 'EndDeployed', path: '$.threshold', via: expect.arrayContaining(['UpdateThreshold', 'DeployProduction']) }));
  });

  it('follows Map iterators, Choice IsPresent and Catch results', () => {
    const definition = {
      StartAt: 'Split',
      States: {
        Split: { Type: 'Map', ItemsPath: '$.items', ItemSelector: { 'value.$': '$$.Map.Item.Value' }, ItemProcessor: { StartAt: 'Use', States: { Use: { Type: 'Pass', Parameters: { 'a.$': '$.value', 'b.$': '$.nope' }, End: true } } }, ResultPath: '$.out', Next: 'Has' },
        Has: { Type: 'Choice', Choices: [{ Variable: '$.maybe', IsPresent: true, Next: 'ReadMaybe' }], Default: 'Call' },
        ReadMaybe: { Type: 'Pass', Parameters: { 'x.$': '$.maybe.deep' }, ResultPath: '$.m', Next: 'Call' },
        Call: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', Parameters: { 'Message.$': "States.Format('{}', $.out)" }, ResultSelector: { 'id.$': '$.MessageId', 'bad.$': '$.Nope' }, ResultPath: '$.sent', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Fail' }], Next: 'Done' },
        Done: { Type: 'Pass', Parameters: { 'id.$': '$.sent.id' }, End: true },
        Fail: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.sent' },
      },
    } as unknown as Definition;

    const missing = missingReads(definition, object({ items: ANY }));

    expect(missing.map((m) => `${m.state} ${m.path}`).sort()).toEqual(['Call $.Nope', 'Fail $.sent', 'Split > Use $.nope']);
  });

  it('reads the paths inside intrinsic functions, never the context object', () => {
    expect(readsOf("States.Format('{}-{}', $.a.b, States.JsonToString($.c[0]))")).toEqual(['$.a.b', '$.c[0]']);
    expect(readsOf('$$.Execution.Name')).toEqual([]);
    expect(readsOf('$')).toEqual(['$']);
  });
});
