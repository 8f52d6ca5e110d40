/**
 * The custom resource that seeds the run-time parameters on `sls deploy`: defaults in, users' values kept,
 * nothing deleted, and CloudFormation always answered as its custom resource protocol says
 * (test/fixtures/aws/cloudformation-custom-resource.json).
 */
import { GetParameterCommand, ParameterAlreadyExists, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Logger } from '@aws-lambda-powertools/logger';
import { createHandler, type CfnResponse } from '../../functions/seed-parameters';
import { SsmParameterStore } from '../../src/adapters/aws';
import { DEFAULT_PARAMETERS, parameterName, type ParameterKey } from '../../src/core/run-config';
import { defaultParametersHash } from '../../src/core/seed-parameters';
import protocol from '../fixtures/aws/cloudformation-custom-resource.json';

const PATH = '/btc-fee-deepar/dev';
const ssmMock = mockClient(SSMClient);

const eventOf = (requestType: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent =>
  ({
    RequestType: requestType,
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:seed',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/presigned',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/btc-fee-deepar-dev/guid',
    RequestId: 'request-1',
    LogicalResourceId: 'DefaultParameters',
    ResourceType: 'Custom::DefaultParameters',
    ResourceProperties: { ServiceToken: 'x', ParameterPath: PATH },
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: PATH }),
    ...(requestType === 'Update' ? { OldResourceProperties: { ParameterPath: PATH } } : {}),
  }) as CloudFormationCustomResourceEvent;

function setUp(parameterPath: () => string = () => PATH) {
  const responses: Array<{ url: string; response: CfnResponse }> = [];
  const handler = createHandler({
    parameterStore: () => new SsmParameterStore({ client: new SSMClient({ region: 'us-east-1' }) }),
    parameterPath,
    respond: async (url, response) => void responses.push({ url, response }),
    logger: new Logger({ logLevel: 'SILENT' }),
  });
  const invoke = (type: 'Create' | 'Update' | 'Delete', change: Partial<CloudFormationCustomResourceEvent> = {}) =>
    handler({ ...eventOf(type), ...change } as CloudFormationCustomResourceEvent, {} as Context);
  return { responses, invoke };
}

/** SSM Parameter Store as its API behaves for these calls: PutParameter without Overwrite refuses an existing name. */
function parameterStoreOf(initial: Record<string, string>) {
  const values = new Map(Object.entries(initial));
  ssmMock.on(PutParameterCommand).callsFake(({ Name, Value, Overwrite }) => {
    if (values.has(Name) && !Overwrite) throw new ParameterAlreadyExists({ message: 'The parameter already exists.', $metadata: {} });
    values.set(Name, Value);
    return { Version: 1 };
  });
  // GetParameter addresses a version as `name:version`.
  ssmMock.on(GetParameterCommand).callsFake(({ Name }: { Name: string }) => {
    const name = Name.replace(/:\d+$/, '');
    return { Parameter: { Name: name, Value: values.get(name), Version: 1, LastModifiedDate: new Date(0) } };
  });
  return values;
}

const everyDefault = () => Object.fromEntries((Object.keys(DEFAULT_PARAMETERS) as ParameterKey[]).map((key) => [parameterName(PATH, key), DEFAULT_PARAMETERS[key]]));

/** What the protocol requires of every answer, from the fixture. */
function expectProtocolAnswer(response: CfnResponse, request: CloudFormationCustomResourceEvent) {
  const rules = protocol.response;
  expect(rules.statuses).toContain(response.Status);
  for (const field of rules.requiredFields) expect(response).toHaveProperty(field, expect.stringMatching(/.+/));
  if (response.Status === 'FAILED') for (const field of rules.requiredIfFailed) expect(response).toHaveProperty(field, expect.stringMatching(/.+/));
  for (const field of rules.copiedFromRequest) expect(response[field as keyof CfnResponse]).toBe(request[field as keyof CloudFormationCustomResourceEvent]);
  expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(rules.maxBodyBytes);
  expect(Buffer.byteLength(response.PhysicalResourceId)).toBeLessThanOrEqual(rules.maxPhysicalResourceIdBytes);
  // An Update or Delete answers the id it was given: a different one would be a replacement, and a Delete of the old.
  if (request.RequestType !== 'Create') expect(response.PhysicalResourceId).toBe(request.PhysicalResourceId);
}

beforeEach(() => ssmMock.reset());

describe('Function: seed-parameters', () => {
  it('seeds every default on Create, never overwriting, and answers SUCCESS', async () => {
    // Prepare
    ssmMock.on(PutParameterCommand).resolves({ Version: 1 });
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Name: 'n', Value: 'v', Version: 1, LastModifiedDate: new Date(0) } });
    const { responses, invoke } = setUp();
    // Act
    await invoke('Create');
    // Assess
    for (const key of Object.keys(DEFAULT_PARAMETERS) as ParameterKey[]) {
      expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, { Name: parameterName(PATH, key), Value: DEFAULT_PARAMETERS[key], Overwrite: false, Type: 'String' });
    }
    expect(responses).toEqual([
      {
        url: 'https://cloudformation-custom-resource-response.example/presigned',
        response: expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: PATH, RequestId: 'request-1', LogicalResourceId: 'DefaultParameters' }),
      },
    ]);
  });

  it('keeps the values users set on Update: SSM refuses the put, the handler moves on', async () => {
    // Prepare
    ssmMock.on(PutParameterCommand).rejects(new ParameterAlreadyExists({ message: 'The parameter already exists.', $metadata: {} }));
    const { responses, invoke } = setUp();
    // Act
    await invoke('Update');
    // Assess
    expect(ssmMock).not.toHaveReceivedCommandWith(PutParameterCommand, { Overwrite: true });
    expect(responses[0].response).toMatchObject({ Status: 'SUCCESS', Reason: 'every parameter already set', PhysicalResourceId: PATH });
  });

  it('does nothing on Delete, so the parameters outlive the stack', async () => {
    // Prepare
    const { responses, invoke } = setUp();
    // Act
    await invoke('Delete');
    // Assess
    expect(ssmMock.calls()).toHaveLength(0);
    expect(responses[0].response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: PATH });
  });

  it('answers FAILED with the cause when SSM fails, instead of leaving the stack waiting', async () => {
    // Prepare
    ssmMock.on(PutParameterCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    const { responses, invoke } = setUp();
    // Act
    await invoke('Create');
    // Assess
    expect(responses).toHaveLength(1);
    expect(responses[0].response).toMatchObject({ Status: 'FAILED', Reason: 'AccessDeniedException: User is not authorized' });
  });

  it('seeds on the next deploy a default a later release added and a parameter a user deleted, keeping the values people set', async () => {
    // Prepare: a stack deployed by an older release (no approvalTimeoutHours yet), a tuned threshold, a deleted window
    const stored = everyDefault();
    delete stored[parameterName(PATH, 'approvalTimeoutHours')];
    delete stored[parameterName(PATH, 'windowDays')];
    stored[parameterName(PATH, 'threshold')] = '0.31';
    const values = parameterStoreOf(stored);
    const { responses, invoke } = setUp();
    // Act: the next `sls deploy` (its properties changed, so CloudFormation sends an Update)
    await invoke('Update', {
      ResourceProperties: { ServiceToken: 'x', ParameterPath: PATH, DefaultsHash: defaultParametersHash(), DeploymentId: '2' },
    } as Partial<CloudFormationCustomResourceEvent>);
    // Assess
    expect(Object.fromEntries(values)).toEqual({ ...everyDefault(), [parameterName(PATH, 'threshold')]: '0.31' });
    expect(responses[0].response).toMatchObject({ Status: 'SUCCESS', Data: { Seeded: 'windowDays,approvalTimeoutHours' }, PhysicalResourceId: PATH });
  });

  it.each(['Create', 'Update', 'Delete'] as const)('answers a %s as CloudFormation’s protocol requires', async (type) => {
    // Prepare
    parameterStoreOf({});
    const { responses, invoke } = setUp();
    // Act
    await invoke(type);
    // Assess
    expect(responses).toHaveLength(1);
    expectProtocolAnswer(responses[0].response, eventOf(type));
  });

  it('answers a Delete for a replaced or rolled-back resource with its own id, deleting nothing', async () => {
    // Prepare
    const { responses, invoke } = setUp();
    // Act
    await invoke('Delete', { PhysicalResourceId: '/btc-fee-deepar/old' } as Partial<CloudFormationCustomResourceEvent>);
    // Assess
    expect(ssmMock.calls()).toHaveLength(0);
    expect(responses[0].response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: '/btc-fee-deepar/old' });
  });

  it('answers FAILED, never silence, when the function lacks its configuration', async () => {
    // Prepare: PARAMETER_PATH unset
    const { responses, invoke } = setUp(() => {
      throw new Error('environment variable PARAMETER_PATH is not set');
    });
    // Act
    await invoke('Create');
    // Assess
    expect(ssmMock.calls()).toHaveLength(0);
    expect(responses).toHaveLength(1);
    expect(responses[0].response).toMatchObject({ Status: 'FAILED', Reason: 'Error: environment variable PARAMETER_PATH is not set', PhysicalResourceId: PATH });
    expectProtocolAnswer(responses[0].response, eventOf('Create'));
  });

  it('refuses, naming both, a resource whose ParameterPath is not the function’s, seeding nothing', async () => {
    // Prepare
    const { responses, invoke } = setUp();
    // Act
    await invoke('Update', { ResourceProperties: { ServiceToken: 'x', ParameterPath: '/btc-fee-deepar/prod' } } as Partial<CloudFormationCustomResourceEvent>);
    // Assess
    expect(ssmMock.calls()).toHaveLength(0);
    expect(responses[0].response.Status).toBe('FAILED');
    expect(responses[0].response.Reason).toBe(
      `ValidationError: the resource's ParameterPath "/btc-fee-deepar/prod" is not the function's PARAMETER_PATH ${PATH}; nothing was seeded`,
    );
  });

  it('refuses a request type the protocol does not have, seeding nothing and still answering', async () => {
    // Prepare
    const { responses, invoke } = setUp();
    // Act
    await invoke('Create', { RequestType: 'Replace' } as unknown as Partial<CloudFormationCustomResourceEvent>);
    // Assess
    expect(ssmMock.calls()).toHaveLength(0);
    expect(responses[0].response).toMatchObject({ Status: 'FAILED', Reason: 'ValidationError: unknown RequestType "Replace"; expected Create, Update or Delete', PhysicalResourceId: PATH });
  });

  it('keeps a long failure within the response size CloudFormation accepts', async () => {
    // Prepare
    ssmMock.on(PutParameterCommand).rejects(Object.assign(new Error('x'.repeat(10_000)), { name: 'InternalServerError' }));
    const { responses, invoke } = setUp();
    // Act
    await invoke('Create');
    // Assess
    expectProtocolAnswer(responses[0].response, eventOf('Create'));
    expect(responses[0].response.Reason).toMatch(/^InternalServerError: x+/);
  });
});
