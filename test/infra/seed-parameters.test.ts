/**
 * The custom resource that seeds the run-time parameters on `sls deploy`: defaults in, users' values kept,
 * nothing deleted, and CloudFormation always answered.
 */
import { GetParameterCommand, ParameterAlreadyExists, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Logger } from '@aws-lambda-powertools/logger';
import { createHandler, type CfnResponse } from '../../functions/seed-parameters';
import { SsmParameterStore } from '../../src/adapters/aws';
import { DEFAULT_PARAMETERS, parameterName, type ParameterKey } from '../../src/core/run-config';

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

function setUp() {
  const responses: Array<{ url: string; response: CfnResponse }> = [];
  const handler = createHandler({
    parameterStore: () => new SsmParameterStore({ client: new SSMClient({ region: 'us-east-1' }) }),
    parameterPath: () => PATH,
    respond: async (url, response) => void responses.push({ url, response }),
    logger: new Logger({ logLevel: 'SILENT' }),
  });
  const invoke = (type: 'Create' | 'Update' | 'Delete') => handler(eventOf(type), {} as Context);
  return { responses, invoke };
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
});
