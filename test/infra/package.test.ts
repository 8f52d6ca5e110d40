/**
 * The cloud stack, checked without AWS: `sls package` runs offline (no credentials, no network) and
 * the generated CloudFormation is asserted on.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEATURE_GROUP } from '../../src/core/feature-record';
import { loadRawDefinition, readServerlessConfig, resolveReferences, type Json } from '../../local/executor/definitions';

const ROOT = join(__dirname, '..', '..');
let outDir: string;
let template: { Resources: Record<string, { Type: string; Properties: any }> };

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'sls-package-'));
  const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'none-offline', SLS_TELEMETRY_DISABLED: '1' };
  execFileSync(join(ROOT, 'node_modules', '.bin', 'sls'), ['package', '--stage', 'test', '--package', outDir], { cwd: ROOT, env, stdio: 'pipe' });
  template = JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
}, 120_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

describe('Stack: sls package', () => {
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
      { Effect: 'Allow', Action: 'sagemaker:PutRecord', Resource: { 'Fn::GetAtt': ['FeesFeatureGroup', 'FeatureGroupArn'] } },
    ]);
    const allStatements = ofType('AWS::IAM::Role').flatMap(([, r]) => (r.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement));
    // Actions AWS does not let a policy scope to a resource: the only ones allowed on '*'.
    const UNSCOPABLE = new Set(['ecr:GetAuthorizationToken', 'cloudwatch:PutMetricData', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets']);
    for (const s of allStatements) {
      expect([s.Action].flat()).not.toContain('*');
      for (const action of [s.Action].flat()) expect(action).not.toMatch(/:\*$/);
      if ([s.Resource].flat().includes('*')) for (const action of [s.Action].flat()) expect(UNSCOPABLE).toContain(action);
    }
  });
});

describe('Stack: state machine definitions', () => {
  /** serverless-step-functions turns references into Fn::Sub variables; both sides map to the same markers. */
  const marker = (reference: Json): string => {
    const r = reference as { 'Fn::GetAtt'?: string[]; Ref?: string };
    return r['Fn::GetAtt'] ? `getatt:${r['Fn::GetAtt'][0]}` : `ref:${r.Ref}`;
  };
  const logicalIdOfFunction = (fn: string) => `${fn[0].toUpperCase()}${fn.slice(1)}LambdaFunction`;

  it.each(Object.keys(readServerlessConfig().stateMachines))('deploys the very definition the twin runs: %s', (machine) => {
    const [, resource] = ofType('AWS::StepFunctions::StateMachine').find(([, r]) => r.Properties.StateMachineName.endsWith(`-${machine}`))!;
    // With references the plugin writes an Fn::Sub; without, a plain string.
    const definition = resource.Properties.DefinitionString;
    const [text, variables] = (typeof definition === 'string' ? [definition, {}] : definition['Fn::Sub']) as [string, Record<string, Json>];
    const deployed = JSON.parse(text.replace(/\$\{([^}]+)\}/g, (_, name: string) => marker(variables[name])));
    const twin = resolveReferences(loadRawDefinition(machine) as Json, {
      functionArn: (fn) => `getatt:${logicalIdOfFunction(fn)}`,
      ref: (id) => `ref:${id}`,
    });
    expect(deployed).toEqual(twin);
  });
});
