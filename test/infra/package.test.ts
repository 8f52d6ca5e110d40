/**
 * The cloud stack, checked without AWS: `sls package` runs offline (no credentials, no network) and
 * the generated CloudFormation is asserted on.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import placeholderArns from '../fixtures/aws/placeholder-arns.json';
import missingDataAlarm from '../fixtures/aws/cloudwatch-missing-data-alarm.json';
import rateExpressions from '../fixtures/aws/eventbridge-rate-expression.json';
import asyncInvocation from '../fixtures/aws/lambda-async-invocation.json';
import { FEATURE_GROUP } from '../../src/core/feature-record';
import { DEFAULT_PARAMETERS } from '../../src/core/run-config';
import { defaultParametersHash } from '../../src/core/seed-parameters';
import { loadRawDefinition, readServerlessConfig, resolveReferences, taskStates, type Definition, type Json } from '../../local/executor/definitions';

const ROOT = join(__dirname, '..', '..');
let outDir: string;
let template: {
  Resources: Record<string, { Type: string; Properties: any; Condition?: string }>;
  Parameters?: Record<string, { Type: string; Default?: string }>;
  Conditions?: Record<string, unknown>;
  Outputs?: Record<string, { Value: unknown }>;
};

/** `sls package` offline (no credentials, no network) into a new directory. */
function packageInto(dir: string, extraArgs: string[] = []): typeof template {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'none-offline', SLS_TELEMETRY_DISABLED: '1' };
  execFileSync(join(ROOT, 'node_modules', '.bin', 'sls'), ['package', '--stage', 'test', '--package', dir, ...extraArgs], { cwd: ROOT, env, stdio: 'pipe' });
  return JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
}

/** A second packaging, as the next `sls deploy` would do. */
function packageTemplate(extraArgs: string[] = []): typeof template {
  const dir = mkdtempSync(join(tmpdir(), 'sls-package-again-'));
  try {
    return packageInto(dir, extraArgs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'sls-package-'));
  template = packageInto(outDir);
}, 120_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/**
 * Actions AWS does not let a policy scope to a resource: the only ones allowed on '*'. X-Ray, ECR's token,
 * PutMetricData, and the CloudWatch Logs delivery actions Step Functions' logging needs
 * (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html).
 */
const UNSCOPABLE = new Set([
  'ecr:GetAuthorizationToken',
  'cloudwatch:PutMetricData',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  // MeasureAccuracy finds the serving model's package in its group. The service authorization reference's
  // rule: "If there is no value for this column, you must specify all resources ("*")"; ListModelPackages'
  // own row was not found in the stored docs (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html).
  'sagemaker:ListModelPackages',
]);

describe('Stack: sls package', () => {
  // serverless.yml includes its resources from many files: a file left out of the list would drop resources
  // without an error. A change here is a deliberate change of the stack.
  it('holds the whole inventory: every included file, every generated resource', () => {
    const byType: Record<string, number> = {};
    for (const { Type } of Object.values(template.Resources)) byType[Type] = (byType[Type] ?? 0) + 1;
    expect(byType).toEqual({
      'AWS::ApiGatewayV2::Api': 1,
      'AWS::ApiGatewayV2::Integration': 1,
      'AWS::ApiGatewayV2::Route': 2,
      'AWS::ApiGatewayV2::Stage': 1,
      'AWS::CloudWatch::Alarm': 10, // two per state machine, production's loss over its threshold, fee minutes missing
      'AWS::CloudWatch::Dashboard': 1,
      'AWS::DynamoDB::Table': 2,
      'AWS::Events::Rule': 3, // monitoring's hourly run, the approval decisions' redelivery sweep, the fee producer's poll
      'AWS::IAM::Role': 20, // one per function, one per state machine, SageMaker's jobs
      'AWS::KMS::Alias': 1,
      'AWS::KMS::Key': 1,
      'AWS::Lambda::EventInvokeConfig': 1, // the fee producer: no asynchronous retries
      'AWS::Lambda::Function': 14,
      'AWS::Lambda::Permission': 3, // the HTTP API's, the sweep's and the producer's schedules
      'AWS::Lambda::Version': 14,
      'AWS::Logs::LogGroup': 18, // one per function, one per state machine
      'AWS::S3::Bucket': 2,
      'AWS::S3::BucketPolicy': 2,
      'AWS::SNS::Subscription': 2, // the approvers on each topic
      'AWS::SNS::Topic': 2, // notifications (alarms too), approvals (links only)
      'AWS::SageMaker::FeatureGroup': 1,
      'AWS::SageMaker::ModelPackageGroup': 1,
      'AWS::StepFunctions::StateMachine': 4,
      'Custom::DefaultParameters': 1,
    });
    expect(Object.keys(template.Outputs ?? {})).toEqual(
      expect.arrayContaining(['ArtifactsBucketName', 'FeatureGroupName', 'NotificationsTopicArn', 'ApprovalTopicArn', 'ApprovalBaseUrl', 'ParameterPath', 'DashboardUrl']),
    );
  });

  it('creates the feature group with the seed system’s schema, keyed by the minute', () => {
    const [[, group]] = ofType('AWS::SageMaker::FeatureGroup');
    expect(group.Properties.RecordIdentifierFeatureName).toBe(FEATURE_GROUP.recordIdentifier);
    expect(group.Properties.EventTimeFeatureName).toBe(FEATURE_GROUP.eventTime);
    expect(group.Properties.FeatureDefinitions).toEqual(
      FEATURE_GROUP.features.map((f) => ({ FeatureName: f.name, FeatureType: f.type })),
    );
    expect(group.Properties.FeatureGroupName).toBe('btc-fee-deepar-test-tx-fees-1min');
  });

  it('keeps every bucket (artifacts and deployment) encrypted and private', () => {
    const buckets = ofType('AWS::S3::Bucket');
    expect(buckets.map(([name]) => name).sort()).toEqual(['ArtifactsBucket', 'ServerlessDeploymentBucket']);
    for (const [, bucket] of buckets) {
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBeDefined();
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
  });

  it('runs functions on nodejs22.x, each with its own role, scoped to the resources it touches', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    for (const [, fn] of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Role['Fn::GetAtt'][0]).toMatch(/Role$/);
    }
    const roles = ofType('AWS::IAM::Role').filter(([name]) => name === 'IngestRecordsRole');
    const statements = roles[0][1].Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'sagemaker:PutRecord',
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:feature-group/btc-fee-deepar-test-tx-fees-1min' },
      },
    ]);
    const allStatements = ofType('AWS::IAM::Role').flatMap(([, r]) => (r.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement));
    expect(ofType('AWS::IAM::Policy')).toEqual([]);
    expect(ofType('AWS::IAM::ManagedPolicy')).toEqual([]);
    for (const s of allStatements) {
      expect([s.Action].flat()).not.toContain('*');
      for (const action of [s.Action].flat()) expect(action).not.toMatch(/:\*$/);
      if ([s.Resource].flat().includes('*')) for (const action of [s.Action].flat()) expect(UNSCOPABLE).toContain(action);
    }
  });
});

/** serverless-step-functions turns references into Fn::Sub variables; both sides map to the same markers. */
const marker = (reference: Json): string => {
  const r = reference as { 'Fn::GetAtt'?: string[]; Ref?: string };
  return r['Fn::GetAtt'] ? `getatt:${r['Fn::GetAtt'][0]}` : `ref:${r.Ref}`;
};
const logicalIdOfFunction = (fn: string) => `${fn[0].toUpperCase()}${fn.slice(1)}LambdaFunction`;
const MACHINES = Object.keys(readServerlessConfig().stateMachines);
const stateMachineResource = (machine: string) =>
  ofType('AWS::StepFunctions::StateMachine').find(([, r]) => r.Properties.StateMachineName.endsWith(`-${machine}`))!;

/** The definition as deployed, references replaced by markers (`getatt:LogicalId`, `ref:LogicalId`). */
function deployedDefinition(machine: string): Definition {
  const [, resource] = stateMachineResource(machine);
  // With references the plugin writes an Fn::Sub; without, a plain string.
  const definition = resource.Properties.DefinitionString;
  const [text, variables] = (typeof definition === 'string' ? [definition, {}] : definition['Fn::Sub']) as [string, Record<string, Json>];
  return JSON.parse(text.replace(/\$\{([^}]+)\}/g, (_, name: string) => marker(variables[name])));
}

describe('Stack: state machine definitions', () => {
  // serverless.yml includes its parts from serverless/: the twin must resolve them to what the Framework packages.
  it('gives the twin the very functions and state machines it packages', () => {
    const twin = readServerlessConfig();
    const packagedFunctions = Object.fromEntries(ofType('AWS::Lambda::Function').map(([id, r]) => [id, r.Properties.Handler]));
    expect(packagedFunctions).toEqual(Object.fromEntries(Object.entries(twin.functions).map(([fn, { handler }]) => [logicalIdOfFunction(fn), handler])));
    const packagedMachines = Object.fromEntries(ofType('AWS::StepFunctions::StateMachine').map(([id, r]) => [id, r.Properties.StateMachineName]));
    expect(packagedMachines).toEqual(Object.fromEntries(Object.values(twin.stateMachines).map((m) => [m.logicalId, `${STAGE_PREFIX}-${m.name}`])));
  });

  it.each(MACHINES)('deploys the very definition the twin runs: %s', (machine) => {
    const deployed = deployedDefinition(machine);
    const twin = resolveReferences(loadRawDefinition(machine) as Json, {
      functionArn: (fn) => `getatt:${logicalIdOfFunction(fn)}`,
      ref: (id) => `ref:${id}`,
    });
    expect(deployed).toEqual(twin);
  });
});

describe('Stack: schedules', () => {
  it('runs the monitoring state machine every hour, the sweep of undelivered approval decisions every 5 minutes, the fee producer every minute', () => {
    const rules = ofType('AWS::Events::Rule').filter(([, r]) => r.Properties.ScheduleExpression);
    expect(rules.map(([, r]) => ({ schedule: r.Properties.ScheduleExpression, target: r.Properties.Targets[0].Arn, state: r.Properties.State }))).toEqual([
      { schedule: 'rate(1 minute)', target: { 'Fn::GetAtt': ['PollFeeSourceLambdaFunction', 'Arn'] }, state: 'ENABLED' },
      { schedule: 'rate(5 minutes)', target: { 'Fn::GetAtt': ['RedeliverDecisionsLambdaFunction', 'Arn'] }, state: 'ENABLED' },
      { schedule: 'rate(1 hour)', target: { Ref: 'MonitoringStateMachine' }, state: 'ENABLED' },
    ]);
  });
});

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };
const STAGE_PREFIX = 'btc-fee-deepar-test';
const statementsOf = (roleLogicalId: string): Statement[] =>
  (template.Resources[roleLogicalId].Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement);
const actionsOf = (s: Statement) => [s.Action].flat();
const resourcesOf = (s: Statement) => [s.Resource].flat();
const text = (value: unknown) => JSON.stringify(value);
const stateMachineName = (logicalId: string) => template.Resources[logicalId].Properties.StateMachineName as string;

/** What one Task's Resource needs from the state machine's role: an action, and what its Resource must say. */
interface Need {
  action: string;
  /** Every resource granting the action is checked to be scoped: this tells the expected one. */
  scope: (resource: unknown, statement: Statement) => boolean;
}

const onResource = (expected: unknown) => (resource: unknown) => text(resource) === text(expected);
const onArnContaining = (fragment: string) => (resource: unknown) => text(resource).includes(fragment);
const onEventsRule = (rule: string) => onArnContaining(`:rule/${rule}"`);
const passRoleToSageMaker: Need = {
  action: 'iam:PassRole',
  scope: (resource, s) =>
    text(resource) === text({ 'Fn::GetAtt': ['SageMakerExecutionRole', 'Arn'] }) &&
    text(s.Condition) === text({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } }),
};
/** SageMaker resources of this stack: named after the service and stage (endpoint configs after their endpoint). */
const sageMaker = (action: string, ...types: string[]): Need => ({
  action: `sagemaker:${action}`,
  scope: (resource) => types.some((type) => text(resource).includes(`:${type}/${STAGE_PREFIX}`)),
});
const stateMachine = (name: string) => onArnContaining(`:stateMachine:${name}"`);
const lambda = (value: string): Need => ({ action: 'lambda:InvokeFunction', scope: onResource({ 'Fn::GetAtt': [value.replace(/^getatt:/, ''), 'Arn'] }) });

/** The table: from a Task state (as deployed) to the IAM it needs, after AWS's templates for each integration. */
function needsOf(machine: string, state: Record<string, Json>): Need[] {
  const resource = state.Resource as string;
  const parameters = (state.Parameters ?? {}) as Record<string, Json>;
  if (resource.startsWith('getatt:')) return [lambda(resource)];
  const integration = /^arn:aws:states:::(.+)$/.exec(resource)?.[1];
  if (!integration) throw new Error(`${machine}: unknown Task resource ${resource}`);
  const machineRef = (key: string) => {
    const value = parameters[key];
    return typeof value === 'string' && value.startsWith('ref:') ? stateMachineName(value.slice(4)) : `${STAGE_PREFIX}-${machine}`;
  };
  switch (integration) {
    case 'lambda:invoke.waitForTaskToken':
    case 'lambda:invoke':
      return [lambda(parameters.FunctionName as string)];
    case 'sagemaker:createTrainingJob.sync':
      return [
        ...['CreateTrainingJob', 'DescribeTrainingJob', 'StopTrainingJob'].map((a) => sageMaker(a, 'training-job')),
        sageMaker('ListTags', 'training-job', 'transform-job'),
        ...['events:PutTargets', 'events:PutRule', 'events:DescribeRule'].map((action) => ({ action, scope: onEventsRule('StepFunctionsGetEventsForSageMakerTrainingJobsRule') })),
        passRoleToSageMaker,
      ];
    case 'sagemaker:createTransformJob.sync':
      return [
        ...['CreateTransformJob', 'DescribeTransformJob', 'StopTransformJob'].map((a) => sageMaker(a, 'transform-job')),
        sageMaker('ListTags', 'training-job', 'transform-job'),
        ...['events:PutTargets', 'events:PutRule', 'events:DescribeRule'].map((action) => ({ action, scope: onEventsRule('StepFunctionsGetEventsForSageMakerTransformJobsRule') })),
      ];
    case 'sagemaker:createModel':
      return [sageMaker('CreateModel', 'model'), passRoleToSageMaker];
    case 'sagemaker:createEndpointConfig':
      return [sageMaker('CreateEndpointConfig', 'endpoint-config')];
    case 'sagemaker:createEndpoint':
      return [sageMaker('CreateEndpoint', 'endpoint', 'endpoint-config')];
    case 'sagemaker:updateEndpoint':
      return [sageMaker('UpdateEndpoint', 'endpoint', 'endpoint-config')];
    case 'sns:publish':
      return [{ action: 'sns:Publish', scope: onResource(JSON.parse(JSON.stringify({ Ref: (parameters.TopicArn as string).replace(/^ref:/, '') }))) }];
    case 'states:startExecution':
      return [{ action: 'states:StartExecution', scope: stateMachine(machineRef('StateMachineArn')) }];
    case 'states:startExecution.sync:2':
    case 'states:startExecution.sync': {
      const name = machineRef('StateMachineArn');
      return [
        { action: 'states:StartExecution', scope: stateMachine(name) },
        ...['states:DescribeExecution', 'states:StopExecution'].map((action) => ({ action, scope: onArnContaining(`:execution:${name}:*"`) })),
        ...['events:PutTargets', 'events:PutRule', 'events:DescribeRule'].map((action) => ({ action, scope: onEventsRule('StepFunctionsGetEventsForStepFunctionsExecutionRule') })),
      ];
    }
  }
  const sdk = /^aws-sdk:(\w+):(\w+)$/.exec(integration);
  if (sdk) {
    const [, service, api] = sdk;
    const action = `${api[0].toUpperCase()}${api.slice(1)}`;
    if (service === 'sfn') return [{ action: `states:${action}`, scope: stateMachine(machineRef('StateMachineArn')) }];
    if (service === 'sagemaker') {
      const type: Record<string, string[]> = {
        DescribeEndpoint: ['endpoint'],
        DeleteEndpoint: ['endpoint'],
        DeleteEndpointConfig: ['endpoint-config'],
        // A versioned package is created in its group: IAM checks the package (group/version) and the group.
        CreateModelPackage: ['model-package', 'model-package-group'],
        UpdateModelPackage: ['model-package'],
      };
      if (!type[action]) throw new Error(`${machine}: add sagemaker:${action} to the table`);
      return [sageMaker(action, ...type[action])];
    }
  }
  throw new Error(`${machine}: add ${integration} to the table of Task resources`);
}

describe.each(MACHINES)('Stack: IAM of the %s state machine, derived from its definition', (machine) => {
  const role = () => stateMachineResource(machine)[1].Properties.RoleArn['Fn::GetAtt'][0] as string;
  const needs = () => taskStates(deployedDefinition(machine)).flatMap(([name, state]) => needsOf(machine, state).map((need) => ({ task: name, ...need })));

  it('has a role of its own', () => {
    const roles = MACHINES.map((m) => stateMachineResource(m)[1].Properties.RoleArn['Fn::GetAtt'][0]);
    expect(new Set(roles).size).toBe(MACHINES.length);
    expect(template.Resources[role()].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
  });

  it('grants every Task what it needs, on the resource it needs', () => {
    const statements = statementsOf(role());
    for (const need of needs()) {
      const granting = statements.filter((s) => s.Effect === 'Allow' && actionsOf(s).includes(need.action));
      const scoped = granting.some((s) => resourcesOf(s).some((r) => need.scope(r, s)));
      expect({ task: need.task, action: need.action, scoped }).toEqual({ task: need.task, action: need.action, scoped: true });
    }
  });

  it('grants nothing beyond its Tasks’ needs, execution logs and X-Ray', () => {
    const needed = new Set(needs().map((n) => n.action));
    const granted = statementsOf(role()).flatMap(actionsOf);
    expect(granted.filter((a) => !needed.has(a) && !UNSCOPABLE.has(a))).toEqual([]);
    // Every resource of a needed action is one some Task needs (no extra function, topic or job prefix).
    for (const s of statementsOf(role())) {
      for (const action of actionsOf(s).filter((a) => needed.has(a))) {
        const scopes = needs().filter((n) => n.action === action);
        for (const r of resourcesOf(s)) expect({ action, resource: r, needed: scopes.some((n) => n.scope(r, s)) }).toEqual({ action, resource: r, needed: true });
      }
    }
  });

  it('logs errors without execution data to its own log group, and is traced', () => {
    const [logicalId, resource] = stateMachineResource(machine);
    expect(resource.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(resource.Properties.LoggingConfiguration).toEqual({
      Level: 'ERROR',
      IncludeExecutionData: false,
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [`${logicalId}LogGroup`, 'Arn'] } } }],
    });
    const group = template.Resources[`${logicalId}LogGroup`];
    expect(group.Type).toBe('AWS::Logs::LogGroup');
    expect(group.Properties.LogGroupName).toBe(`/aws/vendedlogs/states/${STAGE_PREFIX}-${machine}`);
  });

  it('alarms the notifications topic on failed and timed-out executions', () => {
    const [logicalId] = stateMachineResource(machine);
    const alarms = ofType('AWS::CloudWatch::Alarm').filter(([, a]) => text(a.Properties.Dimensions) === text([{ Name: 'StateMachineArn', Value: { Ref: logicalId } }]));
    expect(alarms.map(([, a]) => a.Properties.MetricName).sort()).toEqual(['ExecutionsFailed', 'ExecutionsTimedOut']);
    for (const [, a] of alarms) {
      expect(a.Properties.Namespace).toBe('AWS/States');
      expect(a.Properties.AlarmActions).toEqual([{ Ref: 'NotificationsTopic' }]);
      expect(a.Properties.AlarmName).toBe(`${STAGE_PREFIX}-${machine}-${a.Properties.MetricName}`);
    }
  });
});

describe('Stack: least privilege everywhere', () => {
  it('gives every Lambda its own role, trusted by Lambda only', () => {
    const roles = ofType('AWS::Lambda::Function').map(([, fn]) => fn.Properties.Role['Fn::GetAtt'][0]);
    expect(new Set(roles).size).toBe(roles.length);
    for (const role of roles) {
      expect(template.Resources[role].Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
    }
  });

  // The approval decision is delivered by the API or, when its first callback failed, by the sweep that
  // sends the recorded decision again (issue 11 item 2): those two roles only.
  it('lets only the approval decision (the API, and the sweep re-delivering it) complete a waiting task, on the deployment state machine', () => {
    const holders = ofType('AWS::IAM::Role').filter(([name]) =>
      statementsOf(name).some((s) => actionsOf(s).some((a) => a === 'states:SendTaskSuccess' || a === 'states:SendTaskFailure' || a === 'states:SendTaskHeartbeat')),
    );
    expect(holders.map(([name]) => name)).toEqual(['ApprovalApiRole', 'RedeliverDecisionsRole']);
    expect(template.Resources.ApprovalApiLambdaFunction.Properties.Role).toEqual({ 'Fn::GetAtt': ['ApprovalApiRole', 'Arn'] });
    expect(template.Resources.RedeliverDecisionsLambdaFunction.Properties.Role).toEqual({ 'Fn::GetAtt': ['RedeliverDecisionsRole', 'Arn'] });
    for (const role of ['ApprovalApiRole', 'RedeliverDecisionsRole']) {
      const [statement] = statementsOf(role).filter((s) => actionsOf(s).includes('states:SendTaskSuccess'));
      expect(actionsOf(statement).sort()).toEqual(['states:SendTaskFailure', 'states:SendTaskSuccess']);
      expect(text(statement.Resource)).toContain(`:stateMachine:${STAGE_PREFIX}-deployment"`);
    }
  });

  it('passes the SageMaker execution role only to SageMaker, and passes no other role', () => {
    for (const [name] of ofType('AWS::IAM::Role')) {
      for (const s of statementsOf(name).filter((s) => actionsOf(s).includes('iam:PassRole'))) {
        expect({ role: name, resource: s.Resource, condition: s.Condition }).toEqual({
          role: name,
          resource: { 'Fn::GetAtt': ['SageMakerExecutionRole', 'Arn'] },
          condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
        });
      }
    }
  });

  it('scopes every resource to this stage’s own resources, save the unscopable actions', () => {
    for (const [name] of ofType('AWS::IAM::Role')) {
      for (const s of statementsOf(name)) {
        for (const r of resourcesOf(s)) {
          if (r === '*') continue; // checked above: only UNSCOPABLE actions
          const t = text(r);
          // A Ref/GetAtt of this stack's resources, or an ARN naming this stage (or the DeepAR image, the vended events rules).
          const ownResource = /"(Ref|Fn::GetAtt)"/.test(t) && !t.includes('Fn::Sub');
          const named = t.includes(STAGE_PREFIX) || t.includes('/btc-fee-deepar/test/') || /StepFunctionsGetEventsFor/.test(t) || /ArtifactsBucket|ApprovalsTable/.test(t) || t.includes('repository/forecasting-deepar') || t.includes('log-group:/aws/sagemaker/');
          expect({ role: name, resource: r, scoped: ownResource || named }).toEqual({ role: name, resource: r, scoped: true });
        }
      }
    }
  });
});

describe('Stack: functions', () => {
  /** What each handler reads from its environment (functions/*.ts, production `handler`). */
  const READS: Record<string, string[]> = {
    ingestRecords: ['FEATURE_GROUP_NAME'],
    pollFeeSource: ['FEATURE_GROUP_NAME', 'PARAMETER_PATH', 'FEE_SOURCE_URL', 'NOTIFICATIONS_TOPIC_ARN', 'POWERTOOLS_METRICS_NAMESPACE'],
    loadRunConfig: ['ARTIFACTS_BUCKET', 'PARAMETER_PATH', 'SAGEMAKER_ROLE_ARN', 'DEEPAR_IMAGE_URI', 'MODEL_PACKAGE_GROUP', 'JOB_NAME_PREFIX', 'PRODUCTION_ENDPOINT_NAME', 'STAGING_ENDPOINT_NAME'],
    extractSeries: ['FEATURE_GROUP_NAME'],
    evaluateForecast: [],
    updateThreshold: ['PARAMETER_PATH'],
    requestApproval: ['APPROVAL_TABLE', 'APPROVAL_TOPIC_ARN', 'APPROVAL_BASE_URL'],
    expireApproval: ['APPROVAL_TABLE'],
    approvalApi: ['APPROVAL_TABLE', 'PARAMETER_PATH'],
    redeliverDecisions: ['APPROVAL_TABLE'],
    measureAccuracy: ['FEATURE_GROUP_NAME', 'PARAMETER_PATH', 'MONITORING_TABLE', 'STAGING_ENDPOINT_NAME', 'PRODUCTION_ENDPOINT_NAME', 'POWERTOOLS_METRICS_NAMESPACE'],
    decideRetraining: ['MONITORING_TABLE', 'PARAMETER_PATH'],
    checkHistory: ['FEATURE_GROUP_NAME', 'PARAMETER_PATH', 'MONITORING_TABLE', 'STAGING_ENDPOINT_NAME', 'PRODUCTION_ENDPOINT_NAME'],
    seedParameters: ['PARAMETER_PATH'],
  };
  const functions = readServerlessConfig().functions;

  it('lists every function of serverless.yml in the table', () => {
    expect(Object.keys(READS).sort()).toEqual(Object.keys(functions).sort());
  });

  it.each(Object.keys(READS))('gives %s every variable its handler reads', (fn) => {
    const variables = template.Resources[logicalIdOfFunction(fn)].Properties.Environment.Variables as Record<string, unknown>;
    for (const name of READS[fn]) expect({ name, value: variables[name] ?? null }).toEqual({ name, value: expect.anything() });
  });

  it('points the tables, topic and namespace at this stack’s own', () => {
    const env = (fn: string) => template.Resources[logicalIdOfFunction(fn)].Properties.Environment.Variables;
    expect(env('measureAccuracy').MONITORING_TABLE).toEqual({ Ref: 'MonitoringTable' });
    expect(env('measureAccuracy').POWERTOOLS_METRICS_NAMESPACE).toBe('BtcFeeDeepAR');
    expect(env('requestApproval').APPROVAL_TABLE).toEqual({ Ref: 'ApprovalsTable' });
    // Approval links on their own topic, never the one the alarms use (issue 11, item 7).
    expect(env('requestApproval').APPROVAL_TOPIC_ARN).toEqual({ Ref: 'ApprovalTopic' });
    expect(env('requestApproval').NOTIFICATIONS_TOPIC_ARN).toBeUndefined();
    expect(text(env('requestApproval').APPROVAL_BASE_URL)).toContain('${HttpApi}.execute-api');
    expect(env('seedParameters').PARAMETER_PATH).toBe('/btc-fee-deepar/test');
  });

  it.each(Object.keys(READS))('wraps %s’s handler in middy', (fn) => {
    const module = require(join(ROOT, functions[fn].handler.replace(/\.handler$/, ''))) as { handler: { use?: unknown } };
    expect(typeof module.handler.use).toBe('function');
  });

  it('keeps the approvals queryable by status and expiring by TTL', () => {
    const table = template.Resources.ApprovalsTable.Properties;
    expect(table.GlobalSecondaryIndexes.map((i: any) => [i.IndexName, i.KeySchema])).toEqual([
      ['status-createdAt', [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'createdAt', KeyType: 'RANGE' }]],
      ['deliveryState-createdAt', [{ AttributeName: 'deliveryState', KeyType: 'HASH' }, { AttributeName: 'createdAt', KeyType: 'RANGE' }]],
    ]);
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAtEpoch', Enabled: true });
  });
});

describe('Stack: the live fee producer (issue 12)', () => {
  const producer = () => template.Resources.PollFeeSourceLambdaFunction.Properties;

  it('polls the public mempool source on a schedule, both taken from configuration', () => {
    const [, rule] = ofType('AWS::Events::Rule').find(([, r]) => text(r.Properties.Targets).includes('PollFeeSourceLambdaFunction'))!;
    expect(rateExpressions.valid).toContain(rule.Properties.ScheduleExpression);
    expect(producer().Environment.Variables.FEE_SOURCE_URL).toBe('https://mempool.space/api/mempool');
    expect(producer().Environment.Variables.NOTIFICATIONS_TOPIC_ARN).toEqual({ Ref: 'NotificationsTopic' });
  });

  it('runs one poll at a time, and never re-runs a failed one (the next scheduled poll is the retry)', () => {
    expect(producer().ReservedConcurrentExecutions).toBe(1);
    const [[, invokeConfig]] = ofType('AWS::Lambda::EventInvokeConfig');
    // Lambda's defaults (two re-runs, a throttled event queued up to 6 hours) would poll late and in bursts.
    expect(invokeConfig.Properties).toMatchObject({ FunctionName: { Ref: 'PollFeeSourceLambdaFunction' }, MaximumRetryAttempts: asyncInvocation.settings.maximumRetryAttempts.min });
    expect(invokeConfig.Properties.MaximumEventAgeInSeconds).toBe(asyncInvocation.settings.maximumEventAgeInSeconds.min);
    expect(producer().Timeout).toBeLessThan(60);
  });

  it('may put records into the one feature group, its outage state and the notifications topic: nothing else', () => {
    expect(producer().Role).toEqual({ 'Fn::GetAtt': ['PollFeeSourceRole', 'Arn'] });
    expect(statementsOf('PollFeeSourceRole')).toEqual([
      {
        Effect: 'Allow',
        Action: 'sagemaker:PutRecord',
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:feature-group/btc-fee-deepar-test-tx-fees-1min' },
      },
      {
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:PutParameter'],
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/btc-fee-deepar/test/producer/outage' },
      },
      { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: 'NotificationsTopic' } },
    ]);
  });

  it('alarms on minutes missing in the last hour, counting a minute with no data at all as missing', () => {
    const alarm = template.Resources.FeeMinutesMissingAlarm.Properties;
    const rule = missingDataAlarm.alarm;
    expect(missingDataAlarm.treatMissingData.validValues).toContain(alarm.TreatMissingData);
    expect(alarm).toMatchObject({
      Namespace: 'BtcFeeDeepAR',
      MetricName: 'MinutesIngested',
      Dimensions: [{ Name: 'Producer', Value: 'fee-source' }],
      Statistic: rule.statistic,
      Period: rule.periodSeconds,
      EvaluationPeriods: rule.evaluationPeriods,
      ComparisonOperator: rule.comparison,
      Threshold: rule.threshold,
      TreatMissingData: rule.treatMissingData,
      AlarmActions: [{ Ref: 'NotificationsTopic' }],
    });
    // N periods of a minute are the last hour; M of them missing is the alarm.
    expect(alarm.Period * alarm.EvaluationPeriods).toBe(3600);
    expect(alarm.DatapointsToAlarm).toBeGreaterThan(1);
    expect(alarm.DatapointsToAlarm).toBeLessThan(alarm.EvaluationPeriods);
  });

  it('takes another source and schedule at deploy time, without a code change', () => {
    const other = packageTemplate(['--param=feeSourceUrl=https://mempool.example/api/mempool', '--param=feeSourceRate=rate(2 minutes)']);
    expect(other.Resources.PollFeeSourceLambdaFunction.Properties.Environment.Variables.FEE_SOURCE_URL).toBe('https://mempool.example/api/mempool');
    expect(other.Resources.PollFeeSourceEventsRuleSchedule1.Properties.ScheduleExpression).toBe('rate(2 minutes)');
  }, 120_000);
});

describe('Stack: monitoring and notifications', () => {
  it('alarms when production’s live loss is over its threshold', () => {
    const alarm = template.Resources.ProductionLossOverThresholdAlarm.Properties;
    expect(alarm.AlarmActions).toEqual([{ Ref: 'NotificationsTopic' }]);
    expect({ op: alarm.ComparisonOperator, threshold: alarm.Threshold }).toEqual({ op: 'GreaterThanThreshold', threshold: 0 });
    const byId = Object.fromEntries(alarm.Metrics.map((m: any) => [m.Id, m]));
    expect(byId.excess).toMatchObject({ Expression: 'loss - threshold', ReturnData: true });
    for (const [id, metric] of [['loss', 'MeanWQuantileLoss'], ['threshold', 'Threshold']]) {
      expect(byId[id].MetricStat.Metric).toEqual({ Namespace: 'BtcFeeDeepAR', MetricName: metric, Dimensions: [{ Name: 'Stage', Value: 'production' }] });
    }
  });

  it('draws the dashboard: accuracy per stage, executions, endpoints', () => {
    const [[, dashboard]] = ofType('AWS::CloudWatch::Dashboard');
    expect(dashboard.Properties.DashboardName).toBe(STAGE_PREFIX);
    const [body, variables] = dashboard.Properties.DashboardBody['Fn::Sub'] as [string, Record<string, unknown>];
    const widgets = JSON.parse(body.replace(/\$\{[^}]+\}/g, 'x')).widgets as Array<{ properties: { metrics: unknown[][] } }>;
    const metrics = widgets.flatMap((w) => w.properties.metrics.map((m) => m.filter((part) => typeof part === 'string').join(' ')));
    for (const stage of ['staging', 'production']) {
      expect(metrics).toContain(`BtcFeeDeepAR MeanWQuantileLoss Stage ${stage}`);
      expect(metrics).toContain(`BtcFeeDeepAR Threshold Stage ${stage}`);
    }
    for (const name of ['ExecutionsSucceeded', 'ExecutionsFailed']) expect(metrics).toContain(`AWS/States ${name} StateMachineArn x`);
    for (const name of ['Invocations', 'ModelLatency']) expect(metrics).toContain(`AWS/SageMaker ${name} EndpointName x VariantName AllTraffic`);
    expect(variables).toMatchObject({ Training: { Ref: 'TrainingStateMachine' }, Monitoring: { Ref: 'MonitoringStateMachine' }, ProductionEndpoint: `${STAGE_PREFIX}-production` });
  });

  it('encrypts the topic with a key CloudWatch alarms may use, and subscribes an approver only when given', () => {
    expect(template.Resources.NotificationsTopic.Properties.KmsMasterKeyId).toEqual({ Ref: 'NotificationsKey' });
    const policy = template.Resources.NotificationsKey.Properties.KeyPolicy.Statement as Array<{ Principal: unknown; Action: unknown }>;
    expect(policy.some((s) => text(s.Principal) === text({ Service: 'cloudwatch.amazonaws.com' }))).toBe(true);
    const subscription = template.Resources.ApproverEmailSubscription;
    expect(subscription.Condition).toBe('HasApproverEmail');
    expect(subscription.Properties).toEqual({ TopicArn: { Ref: 'NotificationsTopic' }, Protocol: 'email', Endpoint: { Ref: 'ApproverEmail' } });
    expect(template.Parameters?.ApproverEmail.Default).toBe(''); // packaged without --param
    expect(template.Conditions?.HasApproverEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ApproverEmail' }, ''] }] });
  });

  it('sends approval links on a topic of their own: only requestApproval publishes there, no alarm does (issue 11, item 7)', () => {
    expect(template.Resources.ApprovalTopic.Properties).toMatchObject({ TopicName: `${STAGE_PREFIX}-approvals`, KmsMasterKeyId: { Ref: 'NotificationsKey' } });
    expect(template.Resources.ApproverEmailApprovalSubscription.Properties).toEqual({ TopicArn: { Ref: 'ApprovalTopic' }, Protocol: 'email', Endpoint: { Ref: 'ApproverEmail' } });
    const publishers = ofType('AWS::IAM::Role')
      .filter(([name]) => statementsOf(name).some((st) => actionsOf(st).includes('sns:Publish') && text(st.Resource).includes('"ApprovalTopic"')))
      .map(([name]) => name);
    expect(publishers).toEqual(['RequestApprovalRole']);
    expect(statementsOf('RequestApprovalRole').filter((st) => actionsOf(st).includes('sns:Publish')).map((st) => st.Resource)).toEqual([{ Ref: 'ApprovalTopic' }]);
    for (const [, alarm] of ofType('AWS::CloudWatch::Alarm')) expect(text(alarm.Properties.AlarmActions)).not.toContain('ApprovalTopic');
  });

  it('scopes endpoint configs to this stack’s stage (issue 11, item 7)', () => {
    const configs = statementsOf('DeployEndpointStateMachineRole').flatMap(resourcesOf).map(text).filter((r) => r.includes(':endpoint-config/'));
    expect(configs.length).toBeGreaterThan(0);
    for (const r of configs) expect(r).toMatch(new RegExp(`:endpoint-config/${STAGE_PREFIX}-(staging|production)-\\*`));
  });

  it('outputs where the approval links point', () => {
    expect(text(template.Outputs?.ApprovalBaseUrl.Value)).toContain('${HttpApi}.execute-api');
  });
});

describe('Stack: parameter defaults', () => {
  it('seeds them through a custom resource whose function may only put and read the project’s parameters', () => {
    const [[, seed]] = ofType('Custom::DefaultParameters');
    expect(seed.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': ['SeedParametersLambdaFunction', 'Arn'] },
      ParameterPath: '/btc-fee-deepar/test',
      DefaultsHash: defaultParametersHash(),
      DeploymentId: expect.stringMatching(/^\d+$/),
    });
    expect(template.Resources.SeedParametersLambdaFunction.Properties.Role).toEqual({ 'Fn::GetAtt': ['SeedParametersRole', 'Arn'] });
    expect(statementsOf('SeedParametersRole')).toEqual([
      {
        Effect: 'Allow',
        Action: ['ssm:PutParameter', 'ssm:GetParameter'],
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/btc-fee-deepar/test/*' },
      },
    ]);
  });

  // CloudFormation calls a custom resource again only when a property changed (test/fixtures/aws/cloudformation-custom-resource.json).
  it('changes the custom resource when a release changes the defaults, and on every deploy', () => {
    const [[, seed]] = ofType('Custom::DefaultParameters');
    expect(defaultParametersHash({ ...DEFAULT_PARAMETERS, threshold: '0.4' })).not.toBe(seed.Properties.DefaultsHash);
    expect(defaultParametersHash({ ...DEFAULT_PARAMETERS, addedByALaterRelease: '1' })).not.toBe(seed.Properties.DefaultsHash);
    const again = packageTemplate();
    expect(again.Resources.DefaultParameters.Properties.DefaultsHash).toBe(seed.Properties.DefaultsHash);
    expect(again.Resources.DefaultParameters.Properties.DeploymentId).not.toBe(seed.Properties.DeploymentId);
  }, 120_000);
});

/**
 * The definition text Step Functions receives: the plugin's Fn::Sub references (and pseudo parameters)
 * replaced by placeholder ARNs of the right shape (test/fixtures/aws/placeholder-arns.json).
 */
function resolvedDefinitionText(machine: string): string {
  const definition = stateMachineResource(machine)[1].Properties.DefinitionString;
  if (typeof definition === 'string') return definition;
  const [text, variables] = definition['Fn::Sub'] as [string, Record<string, Json>];
  const { account, region, partition, byResourceType } = placeholderArns;
  const pseudo: Record<string, string> = { 'AWS::AccountId': account, 'AWS::Region': region, 'AWS::Partition': partition, 'AWS::URLSuffix': 'amazonaws.com' };
  return text.replace(/\$\{([^}]+)\}/g, (_, variable: string) => {
    if (pseudo[variable]) return pseudo[variable];
    const reference = variables[variable] as { 'Fn::GetAtt'?: string[]; Ref?: string } | undefined;
    const logicalId = reference?.['Fn::GetAtt']?.[1] === 'Arn' ? reference['Fn::GetAtt'][0] : reference?.Ref;
    const resource = logicalId ? template.Resources[logicalId] : undefined;
    const format = resource && (byResourceType as Record<string, { format: string }>)[resource.Type]?.format;
    if (!resource || !format) throw new Error(`${machine}: no placeholder ARN for \${${variable}} = ${JSON.stringify(reference)}`);
    const name = resource.Properties?.FunctionName ?? resource.Properties?.StateMachineName ?? resource.Properties?.TopicName ?? logicalId;
    return format.replace('{partition}', partition).replace('{region}', region).replace('{account}', account).replace('{name}', typeof name === 'string' ? name : logicalId!);
  });
}

/** cfn-lint on a template of state machines whose definitions are given as plain strings, so its state machine checks apply. */
function lintDefinitions(definitions: Record<string, string>, file: string) {
  const resources = Object.fromEntries(
    Object.entries(definitions).map(([id, text]) => [
      id,
      { Type: 'AWS::StepFunctions::StateMachine', Properties: { RoleArn: `arn:aws:iam::${placeholderArns.account}:role/placeholder`, DefinitionString: text } },
    ]),
  );
  writeFileSync(join(outDir, file), JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: resources }, null, 2));
  return spawnSync('cfn-lint', ['--', join(outDir, file)], { encoding: 'utf8' });
}

describe('Stack: CloudFormation linter', () => {
  // cfn-lint (Python) is not an npm package; where it is installed, the packaged template must pass it.
  // .ci/run fails when cfn-lint is installed and any test of this block did not pass (a skip included).
  const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  const withCfnLint = cfnLint.status === 0 ? it : it.skip;
  const version = (cfnLint.stdout ?? '').trim() || 'not installed';

  withCfnLint(`passes cfn-lint (${version})`, () => {
    // W3005: the Framework writes DependsOn beside a GetAtt of the same role; harmless.
    const run = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', join(outDir, 'cloudformation-template-update-stack.json')], { encoding: 'utf8' });
    expect({ status: run.status, output: run.stdout + run.stderr }).toEqual({ status: 0, output: '' });
  }, 60_000);

  // cfn-lint checks a DefinitionString only when it is a plain string: the three wrapped in Fn::Sub are checked resolved.
  it.each(MACHINES)('resolves the definition of %s to the text Step Functions receives, and it passes asl-validator', (machine) => {
    const text = resolvedDefinitionText(machine);
    expect(text).not.toMatch(/\$\{/);
    // asl-validator adds fields to what it checks: it gets a parse of its own.
    const { isValid, errors } = aslValidator(JSON.parse(text));
    expect({ machine, isValid, errors }).toEqual({ machine, isValid: true, errors: [] });
  });

  withCfnLint(`passes cfn-lint's state machine checks with every definition resolved (${version})`, () => {
    const resolved = Object.fromEntries(MACHINES.map((machine) => [stateMachineResource(machine)[0], resolvedDefinitionText(machine)]));
    const run = lintDefinitions(resolved, 'definitions-resolved.json');
    expect({ status: run.status, output: run.stdout + run.stderr }).toEqual({ status: 0, output: '' });
    // The checks do apply to these definitions: a broken copy of one is refused.
    const [id, text] = Object.entries(resolved)[0];
    const definition = JSON.parse(text) as { StartAt: string; States: Record<string, { Type: string }> };
    definition.States[definition.StartAt].Type = 'Taks';
    const broken = lintDefinitions({ [id]: JSON.stringify(definition) }, 'definitions-broken.json');
    expect(broken.stdout).toContain('E3601');
  }, 60_000);
});
