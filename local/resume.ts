/**
 * What a restart of the twin picks up again. A deployment waiting for its approvers lives in the
 * process that ran it; when that process stopped, the execution was marked aborted and its links can no
 * longer complete it. A decision already made on the aborted execution's links (before the stop, or while
 * the twin was down) is never lost or reversed: it is carried to the resumed execution, whose wait for that
 * stage takes it instead of mailing a new link (a rejected model is rejected again, never offered again).
 * Stages nobody decided get new links; the old pending links expire.
 *
 * - Interrupted at its staging approval (the model still PendingManualApproval): a new deployment execution
 *   starts from the same input.
 * - Interrupted at its production approval (the model Approved for staging, staging deployed): the execution
 *   is redriven, as Step Functions' RedriveExecution does (test/fixtures/aws/sfn-redrive-execution.json), from
 *   that wait with the input it entered it with: staging is not deployed again, nor the threshold moved twice.
 *
 * Trainings are not resumed: monitoring or `mlops train` starts another.
 */
import { UNCLAIMED, carriedRequest, carriedRequestHash, type ApprovalRequest, type ApprovalStage } from '../src/core/approval';
import { resumedExecutionName } from './executor/execution-names';
import type { ExecutionRecord } from './executor/execution-store';
import { unsuccessfulStep } from './executor/local-step-functions';
import type { Pipeline } from './pipeline';

export async function resumeAbortedDeployments(pipeline: Pipeline, say: (line: string) => void): Promise<string[]> {
  const arn = pipeline.stepFunctions.stateMachineArn('deployment');
  // The package's last deployment is the one created last: a deployment resumed after a restart may carry an
  // earlier start date than the one it replaced (the restarted twin's clock can start behind the stopped one's).
  const all = pipeline.stepFunctions.executionRecords({ stateMachineArn: arn, limit: 1000, createdLast: true });
  const latestByPackage = new Map<string, ExecutionRecord>();
  for (const execution of all) {
    const pkg = (execution.input as { modelPackageArn?: string }).modelPackageArn;
    if (pkg && !latestByPackage.has(pkg)) latestByPackage.set(pkg, execution);
  }
  const resumed: string[] = [];
  for (const [pkg, execution] of latestByPackage) {
    if (execution.status !== 'ABORTED') continue;
    const described = await pipeline.sageMaker.describeModelPackage({ ModelPackageName: pkg });
    if (described.ModelApprovalStatus === 'PendingManualApproval') resumed.push(await restartDeployment(pipeline, execution, pkg, say));
    else if (described.ModelApprovalStatus === 'Approved' && waitsForProduction(pipeline, execution)) resumed.push(await redriveAtProductionApproval(pipeline, execution, pkg, say));
  }
  return resumed;
}

/** The state a deployment waits for its production approval in (statemachines/deployment.asl.yml). */
const PRODUCTION_APPROVAL_STATE = 'RequestProductionApproval';

function waitsForProduction(pipeline: Pipeline, execution: ExecutionRecord): boolean {
  return unsuccessfulStep(pipeline.stepFunctions.history(execution.executionArn))?.stateName === PRODUCTION_APPROVAL_STATE;
}

/** Interrupted before the staging approval took effect: the deployment starts again, with the decisions made carried. */
async function restartDeployment(pipeline: Pipeline, execution: ExecutionRecord, pkg: string, say: (line: string) => void): Promise<string> {
  const arn = execution.stateMachineArn;
  const now = new Date().toISOString();
  for (const stage of ['staging', 'production'] as const) await pipeline.approvals.expirePendingFor(execution.executionArn, stage, now);
  const name = resumedExecutionName(execution.name, new Date());
  const carried = await carryDecisions(pipeline, execution.executionArn, `${arn.replace(':stateMachine:', ':execution:')}:${name}`, now);
  const { executionArn } = pipeline.stepFunctions.startExecution({ stateMachineArn: arn, input: execution.input, name });
  say(
    carried.length === 0
      ? `resumed the approvals of ${pkg} (its deployment was interrupted): new links are in the outbox`
      : `resumed the deployment of ${pkg} (interrupted) with the decisions already made: ${describeDecisions(carried)}`,
  );
  return executionArn;
}

/**
 * Interrupted in its production approval wait: the same execution is redriven from that wait. A production
 * decision made meanwhile is carried to it (the redriven wait takes it); without one, a new link is mailed.
 */
async function redriveAtProductionApproval(pipeline: Pipeline, execution: ExecutionRecord, pkg: string, say: (line: string) => void): Promise<string> {
  const now = new Date().toISOString();
  await pipeline.approvals.expirePendingFor(execution.executionArn, 'production', now);
  const carried = await carryDecisions(pipeline, execution.executionArn, execution.executionArn, now, 'production');
  pipeline.stepFunctions.redriveExecution({ executionArn: execution.executionArn });
  say(
    carried.length === 0
      ? `resumed the production approval of ${pkg} (its deployment was interrupted; staging already serves it): a new link is in the outbox`
      : `resumed the deployment of ${pkg} (interrupted) at its production approval with the decision already made: ${describeDecisions(carried)}`,
  );
  return execution.executionArn;
}

const describeDecisions = (carried: ApprovalRequest[]) => carried.map((r) => `${r.stage} ${r.status} by ${r.decision!.by}`).join(', ');

/**
 * The newest decision per stage (or for `onlyStage`) of the aborted execution, carried to the one that resumes
 * it (the same one, when it is redriven); returns them.
 */
async function carryDecisions(pipeline: Pipeline, fromExecutionArn: string, toExecutionArn: string, now: string, onlyStage?: ApprovalStage): Promise<ApprovalRequest[]> {
  const byStage = new Map<ApprovalStage, ApprovalRequest>();
  for (const request of await pipeline.approvals.listForExecution(fromExecutionArn)) {
    if (onlyStage && request.stage !== onlyStage) continue;
    // A request carried here before (an earlier restart) is the target, not a decision to carry again.
    if (request.idHash === carriedRequestHash(toExecutionArn, request.stage)) continue;
    if (request.decision && request.delivery?.state !== 'carried') byStage.set(request.stage, request); // oldest first: the newest stays
  }
  for (const request of byStage.values()) {
    if (await pipeline.approvals.get(carriedRequestHash(toExecutionArn, request.stage))) continue;
    await pipeline.approvals.create(carriedRequest(request, toExecutionArn, now));
    const delivery = request.delivery ?? { state: 'carried' as const, attempts: 0, claimedUntil: UNCLAIMED };
    await pipeline.approvals.recordDelivery(request.idHash, { ...delivery, state: 'carried', claimedUntil: UNCLAIMED, carriedTo: toExecutionArn });
  }
  return [...byStage.values()];
}
