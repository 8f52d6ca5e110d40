/**
 * What a restart of the twin picks up again. A deployment waiting for its approvers lives in the
 * process that ran it; when that process stopped, the execution was marked aborted and its approval
 * links can no longer complete it. For each model still PendingManualApproval whose deployment was
 * aborted, those links are expired and a new deployment execution starts from the same input (new
 * links are mailed). Trainings are not resumed: monitoring or `mlops train` starts another.
 */
import { resumedExecutionName } from './executor/execution-names';
import type { ExecutionRecord } from './executor/execution-store';
import type { Pipeline } from './pipeline';

export async function resumeAbortedDeployments(pipeline: Pipeline, say: (line: string) => void): Promise<string[]> {
  const arn = pipeline.stepFunctions.stateMachineArn('deployment');
  const all = pipeline.stepFunctions.executionRecords({ stateMachineArn: arn, limit: 1000 });
  const latestByPackage = new Map<string, ExecutionRecord>();
  for (const execution of all) {
    const pkg = (execution.input as { modelPackageArn?: string }).modelPackageArn;
    if (pkg && !latestByPackage.has(pkg)) latestByPackage.set(pkg, execution); // list is newest first
  }
  const resumed: string[] = [];
  for (const [pkg, execution] of latestByPackage) {
    if (execution.status !== 'ABORTED') continue;
    const described = await pipeline.sageMaker.describeModelPackage({ ModelPackageName: pkg });
    if (described.ModelApprovalStatus !== 'PendingManualApproval') continue;
    for (const stage of ['staging', 'production'] as const) await pipeline.approvals.expirePendingFor(execution.executionArn, stage, new Date().toISOString());
    const { executionArn } = pipeline.stepFunctions.startExecution({
      stateMachineArn: arn,
      input: execution.input,
      name: resumedExecutionName(execution.name, new Date()),
    });
    say(`resumed the approvals of ${pkg} (its deployment was interrupted): new links are in the outbox`);
    resumed.push(executionArn);
  }
  return resumed;
}
