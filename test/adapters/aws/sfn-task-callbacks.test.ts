import { InvalidToken, SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand, TaskDoesNotExist, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { SfnTaskCallbacks, TaskNoLongerWaitingError } from '../../../src/adapters/aws/sfn-task-callbacks';

const TOKEN = 'token-123';
const sfnMock = mockClient(SFNClient);
const newCallbacks = () => new SfnTaskCallbacks({ client: new SFNClient({ region: 'eu-west-1' }) });

beforeEach(() => sfnMock.reset());

describe('Function: SfnTaskCallbacks.sendTaskSuccess', () => {
  it('sends the output as JSON', async () => {
    // Prepare
    sfnMock.on(SendTaskSuccessCommand).resolves({});

    // Act
    await newCallbacks().sendTaskSuccess(TOKEN, { approved: true, stage: 'staging', decidedBy: 'alice' });

    // Assess
    expect(sfnMock).toReceiveCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfnMock).toReceiveCommandWith(SendTaskSuccessCommand, { taskToken: TOKEN, output: '{"approved":true,"stage":"staging","decidedBy":"alice"}' });
  });

  it.each([
    ['TaskTimedOut', () => new TaskTimedOut({ message: 'timed out', $metadata: {} })],
    ['TaskDoesNotExist', () => new TaskDoesNotExist({ message: 'no task', $metadata: {} })],
    ['InvalidToken', () => new InvalidToken({ message: 'bad token', $metadata: {} })],
  ])('turns %s into TaskNoLongerWaitingError', async (name, error) => {
    // Prepare
    const cause = error();
    sfnMock.on(SendTaskSuccessCommand).rejects(cause);

    // Act
    const attempt = newCallbacks().sendTaskSuccess(TOKEN, {});

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(TaskNoLongerWaitingError);
    await expect(attempt).rejects.toMatchObject({ name: 'TaskNoLongerWaitingError', reason: name, cause });
  });

  it('lets other errors through', async () => {
    // Prepare
    sfnMock.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));

    // Act / Assess
    await expect(newCallbacks().sendTaskSuccess(TOKEN, {})).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('Function: SfnTaskCallbacks.sendTaskFailure', () => {
  it('sends the error name and cause', async () => {
    // Prepare
    sfnMock.on(SendTaskFailureCommand).resolves({});

    // Act
    await newCallbacks().sendTaskFailure(TOKEN, 'ApprovalRejected', 'rejected by bob at 2025-05-01T12:00:00.000Z');

    // Assess
    expect(sfnMock).toReceiveCommandWith(SendTaskFailureCommand, {
      taskToken: TOKEN,
      error: 'ApprovalRejected',
      cause: 'rejected by bob at 2025-05-01T12:00:00.000Z',
    });
  });

  it('turns TaskTimedOut into TaskNoLongerWaitingError', async () => {
    // Prepare
    sfnMock.on(SendTaskFailureCommand).rejects(new TaskTimedOut({ message: 'timed out', $metadata: {} }));

    // Act / Assess
    await expect(newCallbacks().sendTaskFailure(TOKEN, 'ApprovalRejected', 'c')).rejects.toMatchObject({ name: 'TaskNoLongerWaitingError' });
  });
});
