import { LocalTaskTokens } from '../../local/executor/task-tokens';
import { SfnTaskCallbacks } from '../../src/adapters/aws/sfn-task-callbacks';
import { aTwinHome } from '../builders/twin-home';
import { fakeSfnTaskTokens } from './fakes/sfn';
import { describeTaskCallbacksContract } from './task-callbacks.contract';

const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:deployment:run-1';

describeTaskCallbacksContract("LocalTaskTokens (the twin's executor)", () => {
  const home = aTwinHome();
  const tokens = new LocalTaskTokens(home.db, 20);
  return {
    callbacks: tokens,
    waitingTask() {
      const token = tokens.issue(EXECUTION, 'RequestStagingApproval');
      return { token, outcome: tokens.wait(token, 60_000) };
    },
    async timeOut(token) {
      // A second, short wait on the same token lets its timeout fire, as the state's timeout would.
      await tokens.wait(token, 1).catch(() => {});
    },
    dispose() {
      tokens.close();
      home.dispose();
    },
  };
});

describeTaskCallbacksContract('SfnTaskCallbacks over in-memory Step Functions task tokens', () => {
  const sfn = fakeSfnTaskTokens();
  return {
    callbacks: new SfnTaskCallbacks({ client: sfn.client }),
    waitingTask: () => sfn.waitingTask(),
    timeOut: async (token) => sfn.timeOut(token),
    dispose: sfn.restore,
  };
});
