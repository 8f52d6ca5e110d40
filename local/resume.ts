/**
 * What a restart of the twin picks up again. A deployment waiting for its approvers lives in the
 * process that ran it; when that process stopped, the execution was marked aborted and its links can no
 * longer complete it. For each model still PendingManualApproval whose deployment was aborted, a new
 * deployment execution starts from the same input. A decision already made on the aborted execution's
 * links (before the stop, or while the twin was down) is never lost or reversed: it is carried to the
 * new execution, whose wait for that stage takes it instead of mailing a new link (a rejected model is
 * rejected again, never offered again). Stages nobody decided get new links; the old pending links
 * expire. Trainings are not resumed: monitoring or `mlops train` starts another.
 */
import { UNCLAIMED, carriedRequest, type ApprovalRequest, type ApprovalStage } from '../src/core/approval';
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
    const now = new Date().toISOString();
    for (const stage of ['staging', 'production'] as const) await pipeline.approvals.expirePendingFor(execution.executionArn, stage, now);
    const name = resumedExecutionName(execution.name, new Date());
    const carried = await carryDecisions(pipeline, execution.executionArn, `${arn.replace(':stateMachine:', ':execution:')}:${name}`, now);
    const { executionArn } = pipeline.stepFunctions.startExecution({ stateMachineArn: arn, input: execution.input, name });
    say(
      carried.length === 0
        ? `resumed the approvals of ${pkg} (its deployment was interrupted): new links are in the outbox`
        : `resumed the deployment of ${pkg} (interrupted) with the decisions already made: ${carried.map((r) => `${r.stage} ${r.status} by ${r.decision!.by}`).join(', ')}`,
    );
    resumed.push(executionArn);
  }
  return resumed;
}

/** The newest decision per stage of the aborted execution, carried to the one that resumes it; returns them. */
async function carryDecisions(pipeline: Pipeline, fromExecutionArn: string, toExecutionArn: string, now: string): Promise<ApprovalRequest[]> {
  const byStage = new Map<ApprovalStage, ApprovalRequest>();
  for (const request of await pipeline.approvals.listForExecution(fromExecutionArn)) {
    if (request.decision && request.delivery?.state !== 'carried') byStage.set(request.stage, request); // oldest first: the newest stays
  }
  for (const request of byStage.values()) {
    await pipeline.approvals.create(carriedRequest(request, toExecutionArn, now));
    const delivery = request.delivery ?? { state: 'carried' as const, attempts: 0, claimedUntil: UNCLAIMED };
    await pipeline.approvals.recordDelivery(request.idHash, { ...delivery, state: 'carried', claimedUntil: UNCLAIMED, carriedTo: toExecutionArn });
  }
  return [...byStage.values()];
}
