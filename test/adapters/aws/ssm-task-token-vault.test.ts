import { DeleteParameterCommand, GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoDbApprovalStore, STATUS_INDEX } from '../../../src/adapters/aws/dynamodb-approval-store';
import { SfnTaskCallbacks } from '../../../src/adapters/aws/sfn-task-callbacks';
import { SsmTaskTokenVault, taskTokenPath } from '../../../src/adapters/aws/ssm-task-token-vault';
import { A_TOKEN, aRequest } from '../../builders/approvals';
import { fakeDynamoDbTable } from '../../contracts/fakes/dynamodb';
import SSM_RULES from '../../fixtures/aws/ssm-securestring.json';

const PATH = taskTokenPath('btc-fee-deepar-dev-approvals');
const NAME = `${PATH}/${'a'.repeat(64)}`;

/** An in-memory Parameter Store: SecureString values kept apart from the table. */
function fakeSsm() {
  const values = new Map<string, string>();
  const mock = mockClient(SSMClient);
  mock.on(PutParameterCommand).callsFake(async ({ Name, Value }) => {
    values.set(Name!, Value!);
    return { Version: 1 };
  });
  mock.on(GetParameterCommand).callsFake(async ({ Name }) => {
    if (!values.has(Name!)) throw new ParameterNotFound({ message: 'not found', $metadata: {} });
    return { Parameter: { Name, Type: SSM_RULES.secureStringType, Value: values.get(Name!) } };
  });
  mock.on(DeleteParameterCommand).callsFake(async ({ Name }) => {
    if (!values.delete(Name!)) throw new ParameterNotFound({ message: 'not found', $metadata: {} });
    return {};
  });
  return { mock, values, vault: new SsmTaskTokenVault({ path: PATH, client: new SSMClient({ region: 'eu-west-1' }) }) };
}

describe('Issue 13 item 6: the approval table never holds a raw task token on AWS', () => {
  let ssm: ReturnType<typeof fakeSsm>;
  let table: ReturnType<typeof fakeDynamoDbTable>;
  beforeEach(() => {
    ssm = fakeSsm();
    table = fakeDynamoDbTable({ partitionKey: 'idHash', indexes: { [STATUS_INDEX]: { partitionKey: 'status', sortKey: 'createdAt' } } });
  });
  afterEach(() => {
    ssm.mock.restore();
    table.restore();
  });

  it('stores the token as an SSM SecureString and only its reference in the table; the callback resolves it, then deletes it', async () => {
    // Prepare
    const store = new DynamoDbApprovalStore({ tableName: 'approvals', client: table.client, tokenVault: ssm.vault });
    const sfn = mockClient(SFNClient);
    sfn.on(SendTaskSuccessCommand).resolves({});
    const callbacks = new SfnTaskCallbacks({ client: new SFNClient({ region: 'eu-west-1' }), tokenVault: ssm.vault });

    // Act
    await store.create(aRequest());
    const stored = (await store.get('a'.repeat(64)))!;
    await callbacks.sendTaskSuccess(stored.taskToken, { approved: true });

    // Assess
    expect(stored.taskToken).toBe(`ssm-securestring:${NAME}`);
    expect(JSON.stringify(stored)).not.toContain(A_TOKEN);
    expect(ssm.mock).toHaveReceivedCommandWith(PutParameterCommand, { Name: NAME, Type: 'SecureString', Value: A_TOKEN, Overwrite: false });
    expect(ssm.mock.commandCalls(PutParameterCommand)[0].args[0].input.KeyId).toBeUndefined(); // the AWS managed key for SSM
    expect(ssm.mock).toHaveReceivedCommandWith(GetParameterCommand, { Name: NAME, WithDecryption: true });
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: A_TOKEN });
    expect(ssm.values.has(NAME)).toBe(false);
    sfn.restore();
  });

  it("deletes the token when Step Functions no longer waits, and when the request expires", async () => {
    // Prepare
    const store = new DynamoDbApprovalStore({ tableName: 'approvals', client: table.client, tokenVault: ssm.vault });
    const sfn = mockClient(SFNClient);
    sfn.on(SendTaskFailureCommand).rejects(new TaskTimedOut({ message: 'closed', $metadata: {} }));
    const callbacks = new SfnTaskCallbacks({ client: new SFNClient({ region: 'eu-west-1' }), tokenVault: ssm.vault });
    await store.create(aRequest());
    await store.create(aRequest({ idHash: 'b'.repeat(64) }));

    // Act
    const refused = await callbacks.sendTaskFailure((await store.get('a'.repeat(64)))!.taskToken, 'ApprovalRejected', 'x').catch((e: Error) => e);
    await store.expire('b'.repeat(64), '2025-05-09T00:00:00.000Z');

    // Assess
    expect(refused).toMatchObject({ name: 'TaskNoLongerWaitingError', reason: 'TaskTimedOut' });
    expect([...ssm.values.keys()]).toEqual([]);
    sfn.restore();
  });
});
