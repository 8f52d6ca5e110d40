/**
 * The scheduled sweep: every decision recorded but not yet delivered to Step Functions (its first send
 * failed and nobody clicked again) is sent again, the decision as it was recorded. One failing request
 * does not stop the others; a decision someone else is sending right now is left to them.
 */
import type { ApprovalStore } from '../ports/approval-store';
import type { TaskCallbacks } from '../ports/task-callbacks';
import { redeliverDecision, type DeliveryResult } from './deliver-decision';

export interface RedeliverDecisionsResult {
  /** idHashes by what sending them again did. */
  delivered: string[];
  notWaiting: string[];
  failed: string[];
  busy: string[];
}

export async function redeliverDecisions(deps: { store: ApprovalStore; callbacks: TaskCallbacks; now: Date }): Promise<RedeliverDecisionsResult> {
  const result: RedeliverDecisionsResult = { delivered: [], notWaiting: [], failed: [], busy: [] };
  const bucket: Record<DeliveryResult['kind'], string[]> = { delivered: result.delivered, 'not-waiting': result.notWaiting, failed: result.failed, busy: result.busy };
  for (const request of await deps.store.listUndelivered()) {
    const outcome = await redeliverDecision(deps, request);
    bucket[outcome.kind].push(request.idHash);
  }
  return result;
}
