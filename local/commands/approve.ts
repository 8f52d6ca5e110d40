import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { effectiveStatus, hashApprovalId } from '../../src/core/approval';
import { readAllowedApprovers } from '../../src/use-cases/allowed-approvers';
import { decideApproval } from '../../src/use-cases/decide-approval';
import { describeOutcome } from '../../web/approval-page';
import { linkIdFrom, whyUnchanged } from '../auto-approve';
import { readTwinNow } from '../clock';
import { createPipeline, type Pipeline } from '../pipeline';
import { openTwin, type Twin } from '../twin';
import { formatLoss } from './format';

/** Expiry is judged on the twin's clock (the replayed time `mlops up` dated the requests by), not the wall clock. */
function twinNow(twin: Twin): Date {
  return readTwinNow(twin.home.dir, () => twin.featureStore.latestMinute()?.getTime());
}

/** The twin and its pipeline, on the twin's clock. */
async function openOnTwinClock(home: string | undefined): Promise<{ twin: Twin; pipeline: Pipeline; now: () => Date }> {
  const twin = openTwin(home);
  const now = () => twinNow(twin);
  return { twin, pipeline: await createPipeline(twin, { now }), now };
}

/** Pending requests with the link that answers each (recovered from the outbox: only hashes are stored). */
async function pendingWithLinks(pipeline: Pipeline, now: Date) {
  const links = new Map<string, string>();
  for (const message of await pipeline.mailer.list()) {
    const text = await pipeline.mailer.read(message.file);
    const id = linkIdFrom(text.replace(/=\r?\n/g, ''));
    if (id) links.set(hashApprovalId(id), id);
  }
  return (await pipeline.approvals.listPending())
    .filter((r) => effectiveStatus(r, now) === 'pending')
    .map((r) => ({ request: r, id: links.get(r.idHash) }));
}

async function decide(decision: 'approve' | 'reject', idOrLink: string, options: { home?: string; as?: string }): Promise<void> {
  const id = linkIdFrom(idOrLink) ?? idOrLink;
  const { twin, pipeline, now } = await openOnTwinClock(options.home);
  try {
    const outcome = await decideApproval(
      { store: pipeline.approvals, callbacks: pipeline.taskTokens, now: now() },
      {
        id,
        decision,
        approver: options.as ?? userInfo().username,
        from: 'terminal (mlops)',
        allowedApprovers: await readAllowedApprovers(twin.parameterStore, pipeline.settings.PARAMETER_PATH),
      },
    );
    if (outcome.kind === 'not-found') throw new Error(`no approval request has the id ${id}: check the link (\`mlops approvals\` lists the pending ones)`);
    if (outcome.kind === 'not-allowed') throw new Error(`${whyUnchanged(outcome)}: decide with --as <an address on it>; nothing was changed`);
    const { stage } = outcome.request;
    if (outcome.kind === 'done') console.log(`${stage}: ${describeOutcome(outcome.request, now())} The pipeline goes on.`);
    else if (outcome.kind === 'pending-delivery' && outcome.error === 'ExecutionNotRunningError') {
      // Recorded while no twin runs its deployment: `mlops up` resumes the deployment with this decision.
      console.log(`${stage}: recorded (${outcome.request.status} by ${outcome.request.decision?.by}). No twin is running this deployment now: \`mlops up\` resumes it with this decision.`);
    } else if (outcome.kind === 'pending-delivery') {
      console.log(`${stage}: recorded (${outcome.request.status}), not delivered yet: ${whyUnchanged(outcome)}`);
    } else {
      console.error(`${stage}: nothing changed: ${whyUnchanged(outcome)}`);
      process.exitCode = 1;
    }
  } finally {
    pipeline.close();
    twin.close();
  }
}

export function registerApprovalCommands(program: Command): void {
  program
    .command('approvals')
    .description('list the approval requests waiting for a decision, with their links')
    .option('--home <dir>', 'data dir (default $MLOPS_HOME or ./.mlops)')
    .option('--json', 'print one JSON array (exact numbers; id null when the link is not in this outbox)')
    .action(async (options: { home?: string; json?: boolean }) => {
      const { twin, pipeline, now } = await openOnTwinClock(options.home);
      try {
        const pending = await pendingWithLinks(pipeline, now());
        if (options.json) {
          // Never the task token: the id (the link's end) is what a person needs to decide.
          const json = pending.map(({ request: r, id }) => ({ id: id ?? null, stage: r.stage, modelPackageArn: r.modelPackageArn, executionArn: r.executionArn, evidence: r.evidence, createdAt: r.createdAt, expiresAt: r.expiresAt, sentTo: r.sentTo ?? [] }));
          return console.log(JSON.stringify(json));
        }
        if (pending.length === 0) return console.log('no approval is waiting');
        for (const { request, id } of pending) {
          const e = request.evidence;
          console.log(
            `${request.stage.padEnd(10)} ${request.modelPackageArn}\n` +
              `           mean wQuantileLoss ${formatLoss(e.meanWQuantileLoss)} (threshold ${formatLoss(e.threshold)}, seasonal naive ${formatLoss(e.seasonalNaiveLoss)}), expires ${request.expiresAt}\n` +
              `           ${id ? `mlops approve ${id}` : 'link: in the approvers’ mail (not in this outbox)'}`,
          );
        }
      } finally {
        pipeline.close();
        twin.close();
      }
    });
  for (const decision of ['approve', 'reject'] as const) {
    program
      .command(`${decision} <id>`)
      .description(`${decision} a model for its stage: <id> is the end of the approval link (or the whole link)`)
      .option('--home <dir>', 'data dir (default $MLOPS_HOME or ./.mlops)')
      .option('--as <name>', 'who decides (default: your user name)')
      .action((id: string, options: { home?: string; as?: string }) => decide(decision, id, options));
  }
}
