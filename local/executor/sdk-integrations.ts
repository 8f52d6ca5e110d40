/**
 * The `aws-sdk:sfn:*` integrations the definitions use (the training guard lists running trainings; a
 * machine starts another), answered by the twin's Step Functions in the SDK's request and response shapes.
 */
import type { Json } from './definitions';
import type { ExecutionStatus } from './execution-store';
import type { LocalStepFunctions } from './local-step-functions';
import type { LocalServices } from './task-resolver';

/** `stepFunctions` is read at call time: the executor is built after the resolver that needs these. */
export function stepFunctionsSdkIntegrations(stepFunctions: () => LocalStepFunctions): LocalServices['sdk'] {
  return {
    'sfn:listExecutions': async (params) => {
      const { executions } = stepFunctions().listExecutions({
        stateMachineArn: params.StateMachineArn as string,
        statusFilter: params.StatusFilter as ExecutionStatus | undefined,
        maxResults: params.MaxResults as number,
      });
      return {
        // ExecutionListItem: stopDate only once the execution ended (test/fixtures/aws/sfn-list-executions.json).
        Executions: executions.map((e) => ({
          ExecutionArn: e.executionArn, StateMachineArn: e.stateMachineArn, Name: e.name, Status: e.status, StartDate: e.startDate, ...(e.stopDate ? { StopDate: e.stopDate } : {}),
        })),
      } as Json;
    },
    'sfn:startExecution': async (params) => {
      const started = stepFunctions().startExecution({
        stateMachineArn: params.StateMachineArn as string,
        input: params.Input ? JSON.parse(String(params.Input)) : {},
        name: params.Name as string | undefined,
      });
      return { ExecutionArn: started.executionArn, StartDate: started.startDate };
    },
  };
}
