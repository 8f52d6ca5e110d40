/**
 * The first-real-deploy smoke script (scripts/smoke-aws.ts) cannot reach AWS here: its sequencing is run
 * against aws-sdk-client-mock and fake ports. What a user would notice: the steps run in order and stop at
 * the first failure, nothing is deployed when the preflight fails, and whatever the run created is cleaned
 * up even when a middle step fails (unless --keep).
 */
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DeleteModelPackageCommand,
  DescribeEndpointCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelPackagesCommand,
  ListModelsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand, StopExecutionCommand, ValidateStateMachineDefinitionCommand } from '@aws-sdk/client-sfn';
import { DeleteParametersCommand, GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { MINUTE_MS, formatMinute, type FeatureRecord } from '../../src/core/feature-record';
import { parseSmokeArgs, runSmoke, STEPS, type PolicyFinding, type SmokeOptions, type SmokePorts } from '../../scripts/smoke-aws';
import documented from '../fixtures/aws/smoke-aws.json';

const ACCOUNT = '123456789012';
const STACK = 'btc-fee-deepar-smoke1';
const BASE = 'https://abc123.execute-api.us-east-1.amazonaws.com';
const machineArn = (name: string) => `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${STACK}-${name}`;
const TRAINING_EXECUTION = `arn:aws:states:us-east-1:${ACCOUNT}:execution:${STACK}-training:smoke`;
const DEPLOYMENT_EXECUTION = `arn:aws:states:us-east-1:${ACCOUNT}:execution:${STACK}-deployment:smoke-deploy`;
const OUTPUTS = {
  TrainingStateMachineArn: machineArn('training'),
  DeploymentStateMachineArn: machineArn('deployment'),
  DeployEndpointStateMachineArn: machineArn('deployEndpoint'),
  MonitoringStateMachineArn: machineArn('monitoring'),
  ApprovalBaseUrl: BASE,
  ArtifactsBucketName: 'btc-fee-deepar-smoke1-artifactsbucket-1x2y3z',
};

const mocks = {
  sts: mockClient(STSClient),
  cloudformation: mockClient(CloudFormationClient),
  iam: mockClient(IAMClient),
  lambda: mockClient(LambdaClient),
  sfn: mockClient(SFNClient),
  sagemaker: mockClient(SageMakerClient),
  s3: mockClient(S3Client),
  ssm: mockClient(SSMClient),
};

/** DescribeStacks on a stack that does not exist, as AWS answers it. */
const stackMissing = () => Object.assign(new Error(documented.describeStacksMissing.error.message), { name: documented.describeStacksMissing.error.name });

const OPTIONS: SmokeOptions = { ...parseSmokeArgs(['--stage', 'smoke1', '--approver-email', 'approver@example.com']), pollMs: 1, maxWaitMs: 10 };

/** 1001 minutes of records: three calls of the ingest Lambda (500, 500, 1). */
const HISTORY: FeatureRecord[] = Array.from({ length: 1001 }, (_, i) => {
  const minute = Date.UTC(2025, 4, 5) + i * MINUTE_MS;
  return { tx_minute: formatMinute(minute), total_nb_trx_1min: 10, total_fee_1min: 50, avg_fee_1min: 5, event_time: new Date(minute + MINUTE_MS).toISOString() };
});

/** An AWS that works: a fresh stage, a training that registers a model, a deployment that succeeds. */
function workingAws(events: string[]) {
  Object.values(mocks).forEach((m) => m.reset());
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/smoke` });
  mocks.cloudformation
    .on(DescribeStacksCommand)
    .rejectsOnce(stackMissing())
    .resolves({ Stacks: [{ StackName: STACK, CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: Object.entries(OUTPUTS).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] });
  mocks.cloudformation.on(ListStackResourcesCommand).resolves({
    StackResourceSummaries: [
      { LogicalResourceId: 'IngestRecordsRole', PhysicalResourceId: `${STACK}-IngestRecordsRole-1`, ResourceType: 'AWS::IAM::Role', LastUpdatedTimestamp: new Date(0), ResourceStatus: 'CREATE_COMPLETE' },
      { LogicalResourceId: 'ArtifactsBucket', PhysicalResourceId: OUTPUTS.ArtifactsBucketName, ResourceType: 'AWS::S3::Bucket', LastUpdatedTimestamp: new Date(0), ResourceStatus: 'CREATE_COMPLETE' },
    ],
  });
  mocks.iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['ingest'] });
  mocks.iam.on(GetRolePolicyCommand).resolves({ RoleName: 'r', PolicyName: 'ingest', PolicyDocument: encodeURIComponent('{"Version":"2012-10-17","Statement":[]}') });
  mocks.ssm.on(GetParametersByPathCommand).resolvesOnce({ Parameters: [] }).resolves({ Parameters: [{ Name: '/btc-fee-deepar/smoke1/quality/threshold' }] });
  mocks.ssm.on(DeleteParametersCommand).callsFake(({ Names }) => void events.push(`delete parameters ${Names.join(',')}`));
  mocks.sfn.on(ValidateStateMachineDefinitionCommand).resolves(documented.validateStateMachineDefinition.ok as never);
  mocks.lambda.on(InvokeCommand).callsFake(({ Payload }) => {
    events.push(`ingest ${JSON.parse(Buffer.from(Payload).toString()).records.length}`);
    return { StatusCode: 200, Payload: Buffer.from('{"written":1}') };
  });
  mocks.sfn.on(StartExecutionCommand).callsFake(() => {
    events.push('start training');
    return { executionArn: TRAINING_EXECUTION, startDate: new Date(0) };
  });
  let trainingPolls = 0;
  mocks.sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }) =>
    executionArn === TRAINING_EXECUTION
      ? trainingPolls++ === 0
        ? { executionArn, status: 'RUNNING' }
        : { executionArn, status: 'SUCCEEDED', output: JSON.stringify({ status: 'registered', deploymentExecutionArn: DEPLOYMENT_EXECUTION }) }
      : { executionArn, status: 'SUCCEEDED', output: '{}' },
  );
  mocks.sfn.on(ListExecutionsCommand).callsFake(({ stateMachineArn, statusFilter }) => ({
    executions:
      statusFilter === 'RUNNING'
        ? stateMachineArn === OUTPUTS.MonitoringStateMachineArn
          ? [{ executionArn: `${stateMachineArn}:hourly`, name: 'hourly', status: 'RUNNING' }]
          : []
        : [{ executionArn: `${stateMachineArn}:one`, name: 'one', status: 'SUCCEEDED' }],
  }));
  mocks.sfn.on(StopExecutionCommand).callsFake(({ executionArn }) => void events.push(`stop ${executionArn.split(':').pop()}`));
  mocks.sagemaker.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'InService' });
  // NameContains is a substring: another stage (smoke10) must be left alone.
  mocks.sagemaker.on(ListEndpointsCommand).resolves({
    Endpoints: ['btc-fee-deepar-smoke1-staging', 'btc-fee-deepar-smoke1-production', 'btc-fee-deepar-smoke10-staging'].map((EndpointName) => ({ EndpointName }) as never),
  });
  mocks.sagemaker.on(ListEndpointConfigsCommand).resolves({ EndpointConfigs: [{ EndpointConfigName: 'staging-btc-fee-deepar-smoke1-job-1' } as never] });
  mocks.sagemaker.on(ListModelsCommand).resolves({ Models: [{ ModelName: 'btc-fee-deepar-smoke1-job-1' } as never] });
  mocks.sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [{ ModelPackageArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/${STACK}/1` } as never] });
  mocks.sagemaker.on(DeleteEndpointCommand).callsFake(({ EndpointName }) => void events.push(`delete endpoint ${EndpointName}`));
  mocks.sagemaker.on(DeleteEndpointConfigCommand).callsFake(({ EndpointConfigName }) => void events.push(`delete endpoint config ${EndpointConfigName}`));
  mocks.sagemaker.on(DeleteModelCommand).callsFake(({ ModelName }) => void events.push(`delete model ${ModelName}`));
  mocks.sagemaker.on(DeleteModelPackageCommand).callsFake(({ ModelPackageName }) => void events.push(`delete model package ${ModelPackageName.split('/').slice(-2).join('/')}`));
  mocks.s3.on(ListObjectVersionsCommand).resolvesOnce({ Versions: [{ Key: 'data/train.json', VersionId: 'v1' }], DeleteMarkers: [{ Key: 'old', VersionId: 'v0' }] }).resolves({});
  mocks.s3.on(DeleteObjectsCommand).callsFake(({ Delete }) => {
    events.push(`empty bucket ${Delete.Objects.length}`);
    return { Deleted: Delete.Objects };
  });
}

function portsFor(events: string[], change: Partial<SmokePorts> = {}): SmokePorts & { lines: string[] } {
  const lines: string[] = [];
  const ports: SmokePorts = {
    clients: {
      sts: new STSClient({ region: 'us-east-1' }),
      cloudformation: new CloudFormationClient({ region: 'us-east-1' }),
      iam: new IAMClient({ region: 'us-east-1' }),
      lambda: new LambdaClient({ region: 'us-east-1' }),
      sfn: new SFNClient({ region: 'us-east-1' }),
      sagemaker: new SageMakerClient({ region: 'us-east-1' }),
      s3: new S3Client({ region: 'us-east-1' }),
      ssm: new SSMClient({ region: 'us-east-1' }),
    },
    serverless: async (args) => void events.push(`sls ${args[0]}`),
    validatePolicy: async (): Promise<PolicyFinding[]> => [{ findingType: 'SUGGESTION', issueCode: 'EMPTY_ARRAY_STATEMENT', findingDetails: 'no statement' }],
    askForApprovalLink: async (stage) => `${BASE}/approvals/link-${stage}`,
    postForm: async (url, form) => {
      events.push(`POST ${url.split('/').pop()} ${new URLSearchParams(form).toString()}`);
      return { status: 200, body: '<h1>Approved</h1>' };
    },
    history: () => HISTORY,
    sleep: async () => undefined,
    log: (line) => void lines.push(line),
    ...change,
  };
  return Object.assign(ports, { lines });
}

const CLEANED_UP = [
  'stop hourly',
  'delete endpoint btc-fee-deepar-smoke1-staging',
  'delete endpoint btc-fee-deepar-smoke1-production',
  'delete endpoint config staging-btc-fee-deepar-smoke1-job-1',
  'delete model btc-fee-deepar-smoke1-job-1',
  'delete model package btc-fee-deepar-smoke1/1',
  'empty bucket 2',
  'sls remove',
  'delete parameters /btc-fee-deepar/smoke1/quality/threshold',
];

describe('Script: smoke-aws', () => {
  it('HappyPath: preflight, deploy, seed, train, approve twice through the HTTP API, check, then clean everything up', async () => {
    // Prepare
    const events: string[] = [];
    workingAws(events);
    const ports = portsFor(events);
    // Act
    const report = await runSmoke(ports, OPTIONS);
    // Assess
    expect(report.steps.map((s) => [s.step, s.status])).toEqual(STEPS.map((s) => [s.name, 'ok']));
    expect(report.cleanup.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(events).toEqual([
      'sls deploy',
      'ingest 500',
      'ingest 500',
      'ingest 1',
      'start training',
      'POST link-staging decision=approve&approver=approver%40example.com',
      'POST link-production decision=approve&approver=approver%40example.com',
      ...CLEANED_UP,
    ]);
    // Every definition went through Step Functions' own validator, with this account's ARNs.
    expect(mocks.sfn).toHaveReceivedCommandTimes(ValidateStateMachineDefinitionCommand, 4);
    expect(mocks.sfn).toHaveReceivedCommandWith(ValidateStateMachineDefinitionCommand, {
      definition: expect.stringContaining(`arn:aws:lambda:us-east-1:${ACCOUNT}:function:btc-fee-deepar-smoke1-loadRunConfig`),
      type: 'STANDARD',
    });
    // Training reads the window that ends just after the last seeded minute.
    expect(mocks.sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: OUTPUTS.TrainingStateMachineArn,
      input: JSON.stringify({ asOf: new Date(Date.parse(HISTORY[1000].tx_minute) + MINUTE_MS).toISOString(), reason: 'smoke test' }),
    });
    expect(ports.lines).toContain(`  ${STACK}-IngestRecordsRole-1/ingest: SUGGESTION EMPTY_ARRAY_STATEMENT: no statement`);
  });

  it('TrainingFails: stops there, reports the cause, and still cleans up what the deploy made', async () => {
    // Prepare
    const events: string[] = [];
    workingAws(events);
    mocks.sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'SageMaker.ResourceLimitExceeded', cause: 'ml.c5.xlarge quota is 0' });
    // Act
    const report = await runSmoke(portsFor(events), OPTIONS);
    // Assess
    expect(report.ok).toBe(false);
    expect(report.steps.find((s) => s.step === 'training execution')).toMatchObject({ status: 'failed', detail: 'Error: training FAILED: SageMaker.ResourceLimitExceeded ml.c5.xlarge quota is 0' });
    expect(report.steps.slice(-4).map((s) => s.status)).toEqual(['not run', 'not run', 'not run', 'not run']);
    expect(events.filter((e) => e.startsWith('POST'))).toEqual([]);
    expect(events.slice(events.indexOf('start training') + 1)).toEqual(CLEANED_UP);
    expect(report.cleanup.every((c) => c.status === 'ok')).toBe(true);
  });

  it('DeployFails: removes the half-made stack anyway', async () => {
    // Prepare
    const events: string[] = [];
    workingAws(events);
    mocks.cloudformation.on(DescribeStacksCommand).rejects(stackMissing());
    const ports = portsFor(events, {
      serverless: async (args) => {
        events.push(`sls ${args[0]}`);
        if (args[0] === 'deploy') throw new Error('sls deploy exited with 1');
      },
    });
    // Act
    const report = await runSmoke(ports, OPTIONS);
    // Assess
    expect(report.steps.find((s) => s.step === 'deploy (sls deploy)')).toMatchObject({ status: 'failed', detail: 'Error: sls deploy exited with 1' });
    expect(events).toContain('sls remove');
    expect(mocks.lambda).not.toHaveReceivedCommand(InvokeCommand);
    expect(report.cleanup.find((c) => c.step === 'empty the artifacts bucket')?.detail).toBe('no bucket output: nothing to empty');
  });

  it('keeps the stage and everything it made with --keep', async () => {
    // Prepare
    const events: string[] = [];
    workingAws(events);
    // Act
    const report = await runSmoke(portsFor(events), { ...OPTIONS, keep: true });
    // Assess
    expect(report.ok).toBe(true);
    expect(report.cleanup).toEqual([]);
    expect(events.filter((e) => /^(delete|sls remove|empty|stop)/.test(e))).toEqual([]);
  });

  it('deploys nothing, and deletes nothing, on a stage that already exists', async () => {
    // Prepare
    const events: string[] = [];
    workingAws(events);
    mocks.cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: STACK, CreationTime: new Date(0), StackStatus: 'UPDATE_COMPLETE' }] });
    // Act
    const report = await runSmoke(portsFor(events), OPTIONS);
    // Assess
    expect(report.steps.find((s) => s.status === 'failed')).toMatchObject({
      step: 'preflight: stage unused',
      detail: `Error: stack ${STACK} exists: the smoke test deploys and removes a stage of its own; choose an unused --stage`,
    });
    expect(events).toEqual([]);
    expect(report.cleanup).toEqual([]);
  });

  it('deploys nothing when Step Functions refuses a definition, and says where', async () => {
    // Prepare
    const events: string[] = [];
    workingAws(events);
    mocks.sfn.on(ValidateStateMachineDefinitionCommand).resolves(documented.validateStateMachineDefinition.fail as never);
    // Act
    const report = await runSmoke(portsFor(events), OPTIONS);
    // Assess
    expect(report.steps.find((s) => s.status === 'failed')?.detail).toContain('training: ERROR SCHEMA_VALIDATION_FAILED Schema validation reported errors. at /States/X');
    expect(events).toEqual([]);
  });

  it('stops on an Access Analyzer security warning after the deploy, and cleans up', async () => {
    // Prepare
    const events: string[] = [];
    workingAws(events);
    const ports = portsFor(events, { validatePolicy: async () => [{ findingType: 'SECURITY_WARNING', issueCode: 'PASS_ROLE_WITH_STAR_IN_RESOURCE', findingDetails: 'iam:PassRole on *' }] });
    // Act
    const report = await runSmoke(ports, OPTIONS);
    // Assess
    expect(report.steps.find((s) => s.status === 'failed')?.detail).toContain(`${STACK}-IngestRecordsRole-1/ingest: SECURITY_WARNING PASS_ROLE_WITH_STAR_IN_RESOURCE`);
    expect(events).toEqual(['sls deploy', ...CLEANED_UP]);
  });

  it('sends an approval only to this stack’s API: a pasted link from elsewhere is refused before any request', async () => {
    // Prepare
    const events: string[] = [];
    workingAws(events);
    const ports = portsFor(events, { askForApprovalLink: async () => 'https://other.example/approvals/abc' });
    // Act
    const report = await runSmoke(ports, OPTIONS);
    // Assess
    expect(report.steps.find((s) => s.status === 'failed')).toMatchObject({
      step: 'approve staging (HTTP API)',
      detail: `Error: "https://other.example/approvals/abc" is not an approval link of this stack (${BASE}/approvals/...)`,
    });
    expect(events.filter((e) => e.startsWith('POST'))).toEqual([]);
    expect(events).toContain('sls remove');
  });

  it('reports an approval the API refused, with its answer', async () => {
    // Prepare
    const events: string[] = [];
    workingAws(events);
    const ports = portsFor(events, { postForm: async () => ({ status: 409, body: '<h1>Already decided</h1><p>rejected by a@b.c</p>' }) });
    // Act
    const report = await runSmoke(ports, OPTIONS);
    // Assess
    expect(report.steps.find((s) => s.status === 'failed')?.detail).toBe('Error: the approval API answered 409:  Already decided rejected by a@b.c ');
  });

  it('goes on cleaning up when one cleanup step fails, and reports it', async () => {
    // Prepare
    const events: string[] = [];
    workingAws(events);
    mocks.sagemaker.on(DeleteModelCommand).rejects(Object.assign(new Error('User is not authorized to perform sagemaker:DeleteModel'), { name: 'AccessDeniedException' }));
    // Act
    const report = await runSmoke(portsFor(events), OPTIONS);
    // Assess
    expect(report.ok).toBe(false);
    expect(report.cleanup.find((c) => c.status === 'failed')).toMatchObject({ step: 'delete models', detail: 'AccessDeniedException: User is not authorized to perform sagemaker:DeleteModel' });
    expect(events.slice(-3)).toEqual(['empty bucket 2', 'sls remove', 'delete parameters /btc-fee-deepar/smoke1/quality/threshold']);
  });

  it('keeps the stage’s parameters when they existed before the run', async () => {
    // Prepare
    const events: string[] = [];
    workingAws(events);
    mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: [{ Name: '/btc-fee-deepar/smoke1/quality/threshold' }] });
    // Act
    const report = await runSmoke(portsFor(events), OPTIONS);
    // Assess
    expect(report.cleanup.at(-1)).toMatchObject({ status: 'ok', detail: 'kept: they existed before the run' });
    expect(mocks.ssm).not.toHaveReceivedCommand(DeleteParametersCommand);
  });

  it('takes only a missing stack for a free stage: another ValidationError stops the preflight', async () => {
    // Prepare
    const events: string[] = [];
    workingAws(events);
    mocks.cloudformation.on(DescribeStacksCommand).rejects(Object.assign(new Error('1 validation error detected: Value at stackName failed to satisfy constraint'), { name: 'ValidationError' }));
    // Act
    const report = await runSmoke(portsFor(events), OPTIONS);
    // Assess
    expect(report.steps.find((s) => s.status === 'failed')).toMatchObject({ step: 'preflight: stage unused', detail: expect.stringContaining('failed to satisfy constraint') });
    expect(events).toEqual([]);
  });

  it('stops when the ingest Lambda reports a function error, naming the records, and cleans up', async () => {
    // Prepare
    const events: string[] = [];
    workingAws(events);
    const { example } = documented.lambdaInvokeFunctionError;
    mocks.lambda.on(InvokeCommand).resolves({ ...example, Payload: Buffer.from(example.Payload) } as never);
    // Act
    const report = await runSmoke(portsFor(events), OPTIONS);
    // Assess
    expect(report.steps.find((s) => s.status === 'failed')?.detail).toBe(
      `Error: btc-fee-deepar-smoke1-ingestRecords refused records ${HISTORY[0].tx_minute}..${HISTORY[499].tx_minute}: ${example.Payload}`,
    );
    expect(events).not.toContain('start training');
    expect(events).toContain('sls remove');
  });

  it.each(documented.validatePolicyFinding.findingTypes)('treats an Access Analyzer %s finding as AWS documents it', async (findingType) => {
    // Prepare
    const events: string[] = [];
    workingAws(events);
    const ports = portsFor(events, { validatePolicy: async () => [{ findingType, issueCode: 'CODE', findingDetails: 'details' }] });
    // Act
    const report = await runSmoke(ports, { ...OPTIONS, keep: true });
    // Assess
    const blocking = documented.validatePolicyFinding.blocking.includes(findingType);
    expect(report.steps.find((s) => s.step.startsWith('IAM Access Analyzer'))?.status).toBe(blocking ? 'failed' : 'ok');
  });
});

describe('Function: parseSmokeArgs', () => {
  it.each([
    [[], '--stage is required'],
    [['--stage', 'Prod_1', '--approver-email', 'a@b.co'], '--stage "Prod_1": use 1-16 lower-case letters'],
    [['--stage', 's1'], '--approver-email is required'],
    [['--stage', 's1', '--approver-email', 'a@b.co', '--days', '1'], '--days must be a whole number of days from 2 to 30 (the history to seed); got 1'],
    [['--stage', 's1', '--approver-email', 'a@b.co', '--force'], 'unknown argument "--force"'],
    [['--stage', '--keep'], '--stage needs a value'],
  ])('refuses %j, saying what is wrong', (argv, message) => {
    expect(() => parseSmokeArgs(argv)).toThrow(message);
  });

  it('reads the region from the environment unless given, and defaults to 7 days without --keep', () => {
    expect(parseSmokeArgs(['--stage', 's1', '--approver-email', 'a@b.co'], { AWS_REGION: 'eu-west-1' })).toMatchObject({ stage: 's1', region: 'eu-west-1', days: 7, keep: false });
    expect(parseSmokeArgs(['--stage', 's1', '--approver-email', 'a@b.co', '--region', 'us-west-2', '--keep'])).toMatchObject({ region: 'us-west-2', keep: true });
  });
});
