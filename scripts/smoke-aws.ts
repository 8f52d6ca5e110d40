/**
 * The first real deployment, checked end to end on a stage of its own (docs/deploy.md, "Smoke test"):
 *
 *   npm run smoke:aws -- --stage smoke1 --approver-email you@example.com [--region us-east-1] [--days 7] [--keep]
 *
 * Preflight (nothing created): credentials, region, the stage unused, every state machine definition through
 * Step Functions' ValidateStateMachineDefinition. Then: `sls deploy`; IAM Access Analyzer ValidatePolicy on
 * every role's policies as deployed; a few days of the shipped history through the ingest Lambda; a training
 * execution; the two approvals through the real HTTP API (the person pastes each link from the email: the
 * link's id exists only in that mail); every execution's final status; both endpoints InService. Finally,
 * unless --keep, and also when a step failed: running executions stopped, the endpoints, endpoint configs,
 * models and model packages of the stage deleted, the artifacts bucket emptied, `sls remove`, and the
 * stage's parameters deleted when the run created them.
 *
 * Each step is a small function over injected AWS SDK clients and ports (test/infra/smoke-aws.test.ts runs
 * the sequence against aws-sdk-client-mock); main() at the bottom wires the real ones.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand, type StackResourceSummary } from '@aws-sdk/client-cloudformation';
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
import { MINUTE_MS, formatMinute, type FeatureRecord } from '../src/core/feature-record';
import { loadRawDefinition, readServerlessConfig, resolveReferences, type Json } from '../local/executor/definitions';
import { parseYaml } from '../local/executor/serverless-includes';
import { loadMempoolHistory } from '../local/ingestion/mempool-history';
import { historyMinutes, recordForMinute } from '../local/ingestion/transaction-stream';

const SERVICE = 'btc-fee-deepar';
/** The ingest Lambda takes at most 1000 records a call; 500 keeps a call well inside its 60 s timeout. */
const INGEST_BATCH = 500;

export interface SmokeOptions {
  stage: string;
  region: string;
  approverEmail: string;
  days: number;
  keep: boolean;
  /** How often and how long executions and endpoints are polled. */
  pollMs: number;
  maxWaitMs: number;
}

export class SmokeUsageError extends Error {
  override readonly name = 'SmokeUsageError' as const;
}

const USAGE = 'usage: npm run smoke:aws -- --stage STAGE --approver-email EMAIL [--region REGION] [--days N] [--keep]';

/** The command line, or a SmokeUsageError that says which argument is wrong and why. */
export function parseSmokeArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): SmokeOptions {
  const options: Partial<SmokeOptions> = { keep: false, days: 7, region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1' };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = () => {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new SmokeUsageError(`${flag} needs a value\n${USAGE}`);
      i += 1;
      return next;
    };
    if (flag === '--stage') options.stage = value();
    else if (flag === '--region') options.region = value();
    else if (flag === '--approver-email') options.approverEmail = value();
    else if (flag === '--days') options.days = Number(value());
    else if (flag === '--keep') options.keep = true;
    else throw new SmokeUsageError(`unknown argument ${JSON.stringify(flag)}\n${USAGE}`);
  }
  if (!options.stage) throw new SmokeUsageError(`--stage is required: a stage of the smoke test's own, deployed and removed by it\n${USAGE}`);
  // Stage names go into function, bucket and SageMaker names: lower case letters, digits and hyphens.
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(options.stage)) {
    throw new SmokeUsageError(`--stage ${JSON.stringify(options.stage)}: use 1-16 lower-case letters, digits or hyphens, starting with a letter`);
  }
  if (!options.approverEmail || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(options.approverEmail)) {
    throw new SmokeUsageError(`--approver-email is required (the approval links are mailed there, and only there): got ${JSON.stringify(options.approverEmail ?? '')}\n${USAGE}`);
  }
  if (!Number.isInteger(options.days) || options.days! < 2 || options.days! > 30) {
    throw new SmokeUsageError(`--days must be a whole number of days from 2 to 30 (the history to seed); got ${argv[argv.indexOf('--days') + 1]}`);
  }
  return { pollMs: 30_000, maxWaitMs: 2 * 60 * 60_000, ...(options as Omit<SmokeOptions, 'pollMs' | 'maxWaitMs'>) };
}

export interface SmokeClients {
  sts: STSClient;
  cloudformation: CloudFormationClient;
  iam: IAMClient;
  lambda: LambdaClient;
  sfn: SFNClient;
  sagemaker: SageMakerClient;
  s3: S3Client;
  ssm: SSMClient;
}

export interface PolicyFinding {
  findingType: string;
  issueCode: string;
  findingDetails: string;
}

export interface SmokePorts {
  clients: SmokeClients;
  /** Runs the Serverless Framework with these arguments; rejects unless it exits 0. */
  serverless(args: string[]): Promise<void>;
  /** IAM Access Analyzer ValidatePolicy on an identity policy, or undefined where it cannot run here. */
  validatePolicy?: (document: string) => Promise<PolicyFinding[]>;
  /** Asks the person for the approval link mailed for this stage. */
  askForApprovalLink(stage: 'staging' | 'production', email: string): Promise<string>;
  /** POSTs a form to a URL: the approval decision, as the page's button does. */
  postForm(url: string, form: Record<string, string>): Promise<{ status: number; body: string }>;
  /** The shipped history's feature records for the last `days` days it covers. */
  history(days: number): FeatureRecord[];
  sleep(ms: number): Promise<void>;
  log(line: string): void;
}

export interface StepResult {
  step: string;
  status: 'ok' | 'failed' | 'skipped' | 'not run';
  detail: string;
}

export interface SmokeReport {
  ok: boolean;
  steps: StepResult[];
  cleanup: StepResult[];
}

/** What the steps learn and hand on. */
interface SmokeState {
  account?: string;
  /** Set before `sls deploy` starts: a half-made stack is removed too. */
  stackMayExist: boolean;
  parametersExisted: boolean;
  outputs: Record<string, string>;
  asOf?: string;
  deploymentExecutionArn?: string;
}

type Step = { name: string; run: (ports: SmokePorts, options: SmokeOptions, state: SmokeState) => Promise<string | void> };

const stackName = (o: SmokeOptions) => `${SERVICE}-${o.stage}`;
const parameterPath = (o: SmokeOptions) => `/${SERVICE}/${o.stage}`;
/** Every SageMaker name this stage's pipeline makes starts with or contains this. */
const stagePrefix = (o: SmokeOptions) => `${SERVICE}-${o.stage}-`;
const ofStage = (o: SmokeOptions) => (name: string | undefined) => !!name && (name.startsWith(stagePrefix(o)) || name.includes(`-${stagePrefix(o)}`) || name.includes(`/${stagePrefix(o)}`));

/** The regions whose DeepAR image serverless.yml knows (custom.deeparImage). */
export function supportedRegions(): string[] {
  const config = parseYaml(readFileSync(join(__dirname, '..', 'serverless.yml'), 'utf8'), 'serverless.yml') as { custom?: { deeparImage?: Record<string, string> } };
  return Object.keys(config.custom?.deeparImage ?? {});
}

/** Each definition as Step Functions will receive it, its references resolved to this stage's ARNs. */
export function definitionsFor(options: SmokeOptions, account: string): Record<string, string> {
  const config = readServerlessConfig();
  const arn = (service: string, resource: string) => `arn:aws:${service}:${options.region}:${account}:${resource}`;
  const machineByLogicalId = new Map(Object.entries(config.stateMachines).map(([key, m]) => [m.logicalId, key]));
  return Object.fromEntries(
    Object.keys(config.stateMachines).map((machine) => {
      const definition = resolveReferences(loadRawDefinition(machine) as Json, {
        functionArn: (fn) => arn('lambda', `function:${SERVICE}-${options.stage}-${fn}`),
        ref: (id) => {
          const referenced = machineByLogicalId.get(id);
          if (referenced) return arn('states', `stateMachine:${SERVICE}-${options.stage}-${referenced}`);
          if (id === 'NotificationsTopic') return arn('sns', `${SERVICE}-${options.stage}-notifications`);
          throw new Error(`${machine}: no ARN known for Ref ${id}; teach definitionsFor() its resource`);
        },
      });
      return [machine, JSON.stringify(definition)];
    }),
  );
}

/** Polls until `done` says the value is final, or fails after options.maxWaitMs. */
async function pollUntil<T>(ports: SmokePorts, options: SmokeOptions, what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let waited = 0; ; waited += options.pollMs) {
    const value = await read();
    if (done(value)) return value;
    if (waited >= options.maxWaitMs) throw new Error(`${what}: still not done after ${Math.round(options.maxWaitMs / 60_000)} min`);
    await ports.sleep(options.pollMs);
  }
}

async function waitForExecution(ports: SmokePorts, options: SmokeOptions, executionArn: string) {
  return pollUntil(
    ports,
    options,
    `execution ${executionArn}`,
    () => ports.clients.sfn.send(new DescribeExecutionCommand({ executionArn })),
    (e) => e.status !== 'RUNNING' && e.status !== 'PENDING_REDRIVE',
  );
}

const output = (state: SmokeState, key: string) => {
  const value = state.outputs[key];
  if (!value) throw new Error(`the stack has no ${key} output (outputs: ${Object.keys(state.outputs).join(', ') || 'none'})`);
  return value;
};

// ---- preflight: nothing is created ----------------------------------------------------------------

const checkCredentials: Step = {
  name: 'preflight: credentials',
  run: async ({ clients }, _o, state) => {
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    state.account = identity.Account;
    return `account ${identity.Account} as ${identity.Arn}`;
  },
};

const checkRegion: Step = {
  name: 'preflight: region',
  run: async (_p, options) => {
    const regions = supportedRegions();
    if (!regions.includes(options.region)) {
      throw new Error(`serverless.yml knows the DeepAR image for ${regions.join(', ')}, not ${options.region}: add it under custom.deeparImage, or pass --region`);
    }
    return options.region;
  },
};

const checkStageUnused: Step = {
  name: 'preflight: stage unused',
  run: async ({ clients }, options, state) => {
    try {
      await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName(options) }));
    } catch (error) {
      // DescribeStacks answers a missing stack with a ValidationError (test/fixtures/aws/smoke-aws.json).
      if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) {
        const existing = await clients.ssm.send(new GetParametersByPathCommand({ Path: parameterPath(options), Recursive: true, MaxResults: 1 }));
        state.parametersExisted = (existing.Parameters ?? []).length > 0;
        return `no stack ${stackName(options)}${state.parametersExisted ? `; parameters under ${parameterPath(options)} exist and will be kept` : ''}`;
      }
      throw error;
    }
    // Everything of a stage is cleaned up at the end: never a stage someone uses.
    throw new Error(`stack ${stackName(options)} exists: the smoke test deploys and removes a stage of its own; choose an unused --stage`);
  },
};

const validateDefinitions: Step = {
  name: 'preflight: state machine definitions',
  run: async ({ clients, log }, options, state) => {
    const problems: string[] = [];
    for (const [machine, definition] of Object.entries(definitionsFor(options, state.account!))) {
      // AWS: rely on `result` (OK or FAIL) only; the diagnostics say where, for people to read.
      const { result, diagnostics = [] } = await clients.sfn.send(new ValidateStateMachineDefinitionCommand({ definition, type: 'STANDARD' }));
      const lines = diagnostics.map((d) => `${machine}: ${d.severity} ${d.code} ${d.message ?? ''}${d.location ? ` at ${d.location}` : ''}`);
      if (result === 'OK') lines.forEach((line) => log(`  ${line}`));
      else problems.push(...(lines.length ? lines : [`${machine}: ValidateStateMachineDefinition answered ${result}`]));
    }
    if (problems.length) throw new Error(`Step Functions refuses a definition:\n  ${problems.join('\n  ')}`);
    return 'every definition valid';
  },
};

// ---- the run: creates the stack and what the pipeline makes --------------------------------------------

const deploy: Step = {
  name: 'deploy (sls deploy)',
  run: async (ports, options, state) => {
    state.stackMayExist = true;
    await ports.serverless(['deploy', '--stage', options.stage, '--region', options.region, `--param=approverEmail=${options.approverEmail}`]);
    const { Stacks = [] } = await ports.clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName(options) }));
    state.outputs = Object.fromEntries((Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
    ports.log(`  SNS has mailed ${options.approverEmail} a subscription confirmation: click its link now, or no approval link arrives.`);
    return `${stackName(options)}: ${Object.keys(state.outputs).length} outputs`;
  },
};

const validatePolicies: Step = {
  name: 'IAM Access Analyzer ValidatePolicy (the roles as deployed)',
  run: async (ports, options) => {
    if (!ports.validatePolicy) return 'skipped: needs the AWS CLI (aws accessanalyzer validate-policy) on the PATH';
    const { clients } = ports;
    const resources: StackResourceSummary[] = [];
    let token: string | undefined;
    do {
      const page = await clients.cloudformation.send(new ListStackResourcesCommand({ StackName: stackName(options), NextToken: token }));
      resources.push(...(page.StackResourceSummaries ?? []));
      token = page.NextToken;
    } while (token);
    const roles = resources.filter((r) => r.ResourceType === 'AWS::IAM::Role').map((r) => r.PhysicalResourceId!);
    const blocking: string[] = [];
    let checked = 0;
    for (const role of roles) {
      const { PolicyNames = [] } = await clients.iam.send(new ListRolePoliciesCommand({ RoleName: role }));
      for (const policy of PolicyNames) {
        const { PolicyDocument = '' } = await clients.iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: policy }));
        checked += 1;
        for (const f of await ports.validatePolicy(decodeURIComponent(PolicyDocument))) {
          const line = `${role}/${policy}: ${f.findingType} ${f.issueCode}: ${f.findingDetails}`;
          // ERROR: part of the policy does not work; SECURITY_WARNING: overly permissive. Warnings and suggestions are style.
          if (f.findingType === 'ERROR' || f.findingType === 'SECURITY_WARNING') blocking.push(line);
          else ports.log(`  ${line}`);
        }
      }
    }
    if (blocking.length) throw new Error(`Access Analyzer finds errors or security warnings:\n  ${blocking.join('\n  ')}`);
    return `${checked} policies of ${roles.length} roles: no error, no security warning`;
  },
};

const seedHistory: Step = {
  name: 'seed the history (ingest Lambda)',
  run: async (ports, options, state) => {
    const records = ports.history(options.days);
    if (!records.length) throw new Error('the shipped history gave no records');
    const functionName = `${SERVICE}-${options.stage}-ingestRecords`;
    for (let i = 0; i < records.length; i += INGEST_BATCH) {
      const batch = records.slice(i, i + INGEST_BATCH);
      const answer = await ports.clients.lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify({ records: batch })) }));
      if (answer.FunctionError) {
        throw new Error(`${functionName} refused records ${batch[0].tx_minute}..${batch[batch.length - 1].tx_minute}: ${Buffer.from(answer.Payload ?? []).toString('utf8').slice(0, 500)}`);
      }
    }
    // Training reads the window that ends at asOf: the minute after the last seeded one.
    state.asOf = new Date(Date.parse(records[records.length - 1].tx_minute) + MINUTE_MS).toISOString();
    return `${records.length} minutes, ${records[0].tx_minute} to ${records[records.length - 1].tx_minute}`;
  },
};

const train: Step = {
  name: 'training execution',
  run: async (ports, options, state) => {
    const { executionArn } = await ports.clients.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: output(state, 'TrainingStateMachineArn'),
        name: `smoke-${Date.now()}`,
        input: JSON.stringify({ asOf: state.asOf, reason: 'smoke test' }),
      }),
    );
    const execution = await waitForExecution(ports, options, executionArn!);
    if (execution.status !== 'SUCCEEDED') throw new Error(`training ${execution.status}: ${execution.error ?? ''} ${execution.cause ?? ''}`.trim());
    // EndRegistered in statemachines/training.asl.yml: { status: registered, deploymentExecutionArn, ... }
    const result = JSON.parse(execution.output ?? '{}') as { deploymentExecutionArn?: string; status?: string; reason?: string };
    if (result.status !== 'registered' || !result.deploymentExecutionArn) {
      throw new Error(`training registered no model (${result.status ?? 'no status'}: ${result.reason ?? 'no reason given'}), so there is nothing to approve`);
    }
    state.deploymentExecutionArn = result.deploymentExecutionArn;
    return `succeeded; deployment ${state.deploymentExecutionArn}`;
  },
};

/** The approval through the real HTTP API: the person pastes the link from the email, the script POSTs the decision. */
const approve = (stage: 'staging' | 'production'): Step => ({
  name: `approve ${stage} (HTTP API)`,
  run: async (ports, options, state) => {
    const base = output(state, 'ApprovalBaseUrl').replace(/\/$/, '');
    const link = (await ports.askForApprovalLink(stage, options.approverEmail)).trim();
    if (!link) throw new Error(`no ${stage} approval link given`);
    // Only this stack's API gets the decision: a link from another stage or a typo is refused before any request.
    if (!link.startsWith(`${base}/approvals/`)) throw new Error(`${JSON.stringify(link)} is not an approval link of this stack (${base}/approvals/...)`);
    const { status, body } = await ports.postForm(link, { decision: 'approve', approver: options.approverEmail });
    if (status !== 200) throw new Error(`the approval API answered ${status}: ${body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 300)}`);
    return `approved by ${options.approverEmail}`;
  },
});

const checkExecutions: Step = {
  name: 'every execution’s final status',
  run: async (ports, options, state) => {
    const deployment = await waitForExecution(ports, options, state.deploymentExecutionArn!);
    const failed: string[] = [];
    const counts: string[] = [];
    for (const key of ['TrainingStateMachineArn', 'DeploymentStateMachineArn', 'DeployEndpointStateMachineArn', 'MonitoringStateMachineArn']) {
      const { executions = [] } = await ports.clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: output(state, key) }));
      for (const e of executions) if (e.status !== 'SUCCEEDED' && e.status !== 'RUNNING') failed.push(`${e.name}: ${e.status}`);
      counts.push(`${key.replace('StateMachineArn', '')} ${executions.length}`);
    }
    if (deployment.status !== 'SUCCEEDED') failed.unshift(`deployment ${deployment.status}: ${deployment.error ?? ''} ${deployment.cause ?? ''}`.trim());
    if (failed.length) throw new Error(`executions that did not succeed:\n  ${failed.join('\n  ')}`);
    return `all succeeded (${counts.join(', ')})`;
  },
};

const checkEndpoints: Step = {
  name: 'endpoints InService',
  run: async ({ clients }, options) => {
    const statuses = [];
    for (const stage of ['staging', 'production']) {
      const name = `${stagePrefix(options)}${stage}`;
      const { EndpointStatus, FailureReason } = await clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
      if (EndpointStatus !== 'InService') throw new Error(`${name} is ${EndpointStatus}${FailureReason ? `: ${FailureReason}` : ''}`);
      statuses.push(`${name} InService`);
    }
    return statuses.join(', ');
  },
};

export const STEPS: readonly Step[] = [
  checkCredentials,
  checkRegion,
  checkStageUnused,
  validateDefinitions,
  deploy,
  validatePolicies,
  seedHistory,
  train,
  approve('staging'),
  approve('production'),
  checkExecutions,
  checkEndpoints,
];

// ---- cleanup: every step runs, whatever failed before -------------------------------------------------

const stateMachineArns = (state: SmokeState) =>
  ['TrainingStateMachineArn', 'DeploymentStateMachineArn', 'DeployEndpointStateMachineArn', 'MonitoringStateMachineArn'].map((k) => state.outputs[k]).filter(Boolean);

const ENDPOINT_BUSY = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack']);

export const CLEANUP: readonly Step[] = [
  {
    // A running deployment would go on creating endpoints while they are deleted.
    name: 'stop running executions',
    run: async ({ clients }, _o, state) => {
      let stopped = 0;
      for (const stateMachineArn of stateMachineArns(state)) {
        const { executions = [] } = await clients.sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }));
        for (const e of executions) {
          await clients.sfn.send(new StopExecutionCommand({ executionArn: e.executionArn, error: 'SmokeTestCleanup', cause: 'the smoke test is removing the stage' }));
          stopped += 1;
        }
      }
      return `${stopped} stopped`;
    },
  },
  {
    name: 'delete endpoints',
    run: async (ports, options) => {
      const { clients } = ports;
      const names = await listAll(options, (NextToken) => clients.sagemaker.send(new ListEndpointsCommand({ NameContains: `${SERVICE}-${options.stage}`, NextToken })), (p) => p.Endpoints?.map((e) => e.EndpointName));
      for (const name of names) {
        // An endpoint being created or updated cannot be deleted: wait until it settles.
        const { EndpointStatus } = await pollUntil(ports, options, `endpoint ${name}`, () => clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name })), (e) => !ENDPOINT_BUSY.has(e.EndpointStatus ?? ''));
        if (EndpointStatus !== 'Deleting') await clients.sagemaker.send(new DeleteEndpointCommand({ EndpointName: name }));
      }
      return names.join(', ') || 'none';
    },
  },
  {
    name: 'delete endpoint configs',
    run: async ({ clients }, options) => {
      const names = await listAll(options, (NextToken) => clients.sagemaker.send(new ListEndpointConfigsCommand({ NameContains: `${SERVICE}-${options.stage}`, NextToken })), (p) => p.EndpointConfigs?.map((c) => c.EndpointConfigName));
      for (const name of names) await clients.sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name }));
      return names.join(', ') || 'none';
    },
  },
  {
    name: 'delete models',
    run: async ({ clients }, options) => {
      const names = await listAll(options, (NextToken) => clients.sagemaker.send(new ListModelsCommand({ NameContains: `${SERVICE}-${options.stage}`, NextToken })), (p) => p.Models?.map((m) => m.ModelName));
      for (const name of names) await clients.sagemaker.send(new DeleteModelCommand({ ModelName: name }));
      return names.join(', ') || 'none';
    },
  },
  {
    // The model package group (a stack resource) cannot be deleted while it holds packages.
    name: 'delete model packages',
    run: async ({ clients }, options) => {
      const arns: string[] = [];
      let token: string | undefined;
      do {
        const page = await clients.sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: `${SERVICE}-${options.stage}`, NextToken: token }));
        arns.push(...(page.ModelPackageSummaryList ?? []).map((p) => p.ModelPackageArn!));
        token = page.NextToken;
      } while (token);
      for (const arn of arns) await clients.sagemaker.send(new DeleteModelPackageCommand({ ModelPackageName: arn }));
      return `${arns.length} deleted`;
    },
  },
  {
    // A versioned bucket holding objects stops the stack's deletion: every version and delete marker goes.
    name: 'empty the artifacts bucket',
    run: async ({ clients }, _o, state) => {
      const bucket = state.outputs.ArtifactsBucketName;
      if (!bucket) return 'no bucket output: nothing to empty';
      let deleted = 0;
      for (;;) {
        const page = await clients.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
        const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
        if (!objects.length) break;
        const { Errors = [] } = await clients.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
        if (Errors.length) throw new Error(`S3 kept ${Errors.length} objects, e.g. ${Errors[0].Key}: ${Errors[0].Code} ${Errors[0].Message}`);
        deleted += objects.length;
      }
      return `${deleted} object versions deleted from ${bucket}`;
    },
  },
  {
    name: 'remove the stack (sls remove)',
    run: async (ports, options) => {
      await ports.serverless(['remove', '--stage', options.stage, '--region', options.region]);
      return `${stackName(options)} removed`;
    },
  },
  {
    // The seeding custom resource keeps parameters on delete (they are people's); these were the run's own.
    name: 'delete the stage’s parameters',
    run: async ({ clients }, options, state) => {
      if (state.parametersExisted) return `kept: they existed before the run`;
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await clients.ssm.send(new GetParametersByPathCommand({ Path: parameterPath(options), Recursive: true, NextToken: token }));
        names.push(...(page.Parameters ?? []).map((p) => p.Name!));
        token = page.NextToken;
      } while (token);
      for (let i = 0; i < names.length; i += 10) await clients.ssm.send(new DeleteParametersCommand({ Names: names.slice(i, i + 10) }));
      return `${names.length} deleted`;
    },
  },
];

async function listAll<P extends { NextToken?: string }>(
  options: SmokeOptions,
  page: (token: string | undefined) => Promise<P>,
  names: (page: P) => Array<string | undefined> | undefined,
): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    found.push(...(names(p) ?? []).filter(ofStage(options)).map((n) => n!));
    token = p.NextToken;
  } while (token);
  return found;
}

async function runStep(step: Step, ports: SmokePorts, options: SmokeOptions, state: SmokeState): Promise<StepResult> {
  ports.log(`▶ ${step.name}`);
  try {
    const detail = (await step.run(ports, options, state)) ?? '';
    const status = detail.startsWith('skipped') ? 'skipped' : 'ok';
    ports.log(`  ${status === 'ok' ? '✓' : '–'} ${detail}`);
    return { step: step.name, status, detail };
  } catch (error) {
    const detail = `${(error as Error).name}: ${(error as Error).message}`;
    ports.log(`  ✗ ${detail}`);
    return { step: step.name, status: 'failed', detail };
  }
}

/** The steps in order, stopping at the first failure; then the cleanup, unless --keep or nothing was deployed. */
export async function runSmoke(ports: SmokePorts, options: SmokeOptions, steps: readonly Step[] = STEPS, cleanup: readonly Step[] = CLEANUP): Promise<SmokeReport> {
  const state: SmokeState = { stackMayExist: false, parametersExisted: true, outputs: {} };
  const results: StepResult[] = [];
  for (const step of steps) {
    if (results.some((r) => r.status === 'failed')) {
      results.push({ step: step.name, status: 'not run', detail: 'an earlier step failed' });
      continue;
    }
    results.push(await runStep(step, ports, options, state));
  }
  const cleaned: StepResult[] = [];
  if (!state.stackMayExist) {
    ports.log('nothing was deployed: no cleanup');
  } else if (options.keep) {
    ports.log(`--keep: ${stackName(options)} and what it made stay (docs/deploy.md, "Remove", says how to remove them)`);
  } else {
    if (!Object.keys(state.outputs).length) await readOutputs(ports, options, state);
    for (const step of cleanup) cleaned.push(await runStep(step, ports, options, state));
  }
  const ok = results.every((r) => r.status !== 'failed') && cleaned.every((r) => r.status !== 'failed');
  return { ok, steps: results, cleanup: cleaned };
}

/** After a failed deploy the outputs may still exist (a stack update that rolled back): read what there is. */
async function readOutputs(ports: SmokePorts, options: SmokeOptions, state: SmokeState) {
  try {
    const { Stacks = [] } = await ports.clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName(options) }));
    state.outputs = Object.fromEntries((Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
  } catch {
    // No stack: the cleanup steps that need outputs have nothing to do.
  }
}

// ---- the real ports -------------------------------------------------------------------------------------

function realPorts(options: SmokeOptions, awsCliPresent: boolean): SmokePorts {
  const config = { region: options.region };
  const run = (command: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(command, args, { stdio: 'inherit', cwd: join(__dirname, '..') });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
    });
  return {
    clients: {
      sts: new STSClient(config),
      cloudformation: new CloudFormationClient(config),
      iam: new IAMClient(config),
      lambda: new LambdaClient(config),
      sfn: new SFNClient(config),
      sagemaker: new SageMakerClient(config),
      s3: new S3Client(config),
      ssm: new SSMClient(config),
    },
    serverless: (args) => run('npx', ['sls', ...args]),
    // There is no Access Analyzer client among the project's dependencies: the AWS CLI, where installed.
    validatePolicy: awsCliPresent
      ? (document) =>
          new Promise((resolve, reject) =>
            execFile(
              'aws',
              ['accessanalyzer', 'validate-policy', '--policy-type', 'IDENTITY_POLICY', '--policy-document', document, '--region', options.region, '--output', 'json'],
              { maxBuffer: 16 * 1024 * 1024 },
              (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve((JSON.parse(stdout) as { findings: PolicyFinding[] }).findings)),
            ),
          )
      : undefined,
    askForApprovalLink: async (stage, email) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return await rl.question(`\nThe ${stage} approval link is mailed to ${email} (after the training, or the staging deployment, finishes).\nPaste it here and press Enter: `);
      } finally {
        rl.close();
      }
    },
    postForm: async (url, form) => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
      return { status: response.status, body: await response.text() };
    },
    history: (days) => {
      const history = loadMempoolHistory();
      const { end } = historyMinutes(history);
      const records: FeatureRecord[] = [];
      for (let minute = end - days * 24 * 60 * MINUTE_MS; minute < end; minute += MINUTE_MS) {
        const record = recordForMinute(history, minute);
        if (record) records.push(record);
      }
      return records;
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => console.log(line),
  };
}

async function main() {
  let options: SmokeOptions;
  try {
    options = parseSmokeArgs(process.argv.slice(2), process.env);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const awsCliPresent = await new Promise<boolean>((resolve) => execFile('aws', ['--version'], (error) => resolve(!error)));
  const started = Date.now();
  const report = await runSmoke(realPorts(options, awsCliPresent), options);
  console.log(`\n${report.ok ? 'PASSED' : 'FAILED'} in ${Math.round((Date.now() - started) / 60_000)} min (${formatMinute(Date.now())})`);
  for (const r of [...report.steps, ...report.cleanup]) console.log(`${r.status.padEnd(8)} ${r.step}: ${r.detail.split('\n')[0]}`);
  process.exit(report.ok ? 0 : 1);
}

if (require.main === module) void main();
