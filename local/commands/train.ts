import type { Command } from 'commander';
import { MINUTE_MS } from '../../src/core/feature-record';
import type { ExecutionRecord } from '../executor/execution-store';
import { servingUrl } from '../home';
import { createPipeline, type Pipeline } from '../pipeline';
import { trainingProgress } from '../progress';
import { provision, recoverOrphans } from '../recovery';
import { openTwin, type Twin } from '../twin';
import { formatFee, formatLoss } from './format';

/** The twin's "now" when no clock runs: just after the latest minute in the feature store. */
export function latestAsOf(twin: Twin): Date {
  const latest = twin.featureStore.latestMinute();
  if (!latest) throw new Error('the feature store is empty: run `mlops up` (npm start) first to replay the history into it');
  return new Date(latest.getTime() + MINUTE_MS);
}

/** One line a person reads: how the training ended and why. */
export function describeTraining(execution: ExecutionRecord): string {
  const output = (execution.output ?? {}) as Record<string, any>;
  if (execution.status !== 'SUCCEEDED') return `training ${execution.name} ${execution.status}: ${execution.error}: ${execution.cause}`;
  if (output.status === 'registered') {
    const e = output.evaluation;
    return (
      `training ${execution.name} registered ${output.modelPackageArn} (PendingManualApproval): ` +
      `mean wQuantileLoss ${formatLoss(e.meanWQuantileLoss)} (threshold ${formatLoss(e.threshold)}, seasonal naive ${formatLoss(e.seasonalNaiveLoss)}` +
      `${e.productionLoss === null ? '' : `, production ${formatLoss(e.productionLoss)}`}), RMSE ${formatFee(e.rmse)}`
    );
  }
  return `training ${execution.name} ${output.status}: ${output.reason}`;
}

export async function runTraining(pipeline: Pipeline, asOf: Date, reason: string, log: (line: string) => void): Promise<ExecutionRecord> {
  const { executionArn, done } = pipeline.startTraining({ asOf, reason });
  log(`training started: ${executionArn} (data up to ${asOf.toISOString()})`);
  const execution = await done;
  log(describeTraining(execution));
  return execution;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('start the training state machine by hand on the latest data, and wait for it')
    .option('--home <dir>', 'data dir (default $MLOPS_HOME or ./.mlops)')
    .option('--as-of <time>', 'end of the data window (ISO 8601); default the latest ingested minute')
    .option('--json', 'print the execution as one JSON object')
    .option('--auto-approve', 'approve the registered model for both stages at once (otherwise wait for approvers)')
    .option('--no-deploy', 'return once the model is registered; its approvals resume at the next `mlops up`')
    .action(async (options: { home?: string; asOf?: string; json?: boolean; autoApprove?: boolean; deploy: boolean }) => {
      const twin = openTwin(options.home);
      // Links point where `mlops up` serves this home, whatever port it was given.
      const baseUrl = () => servingUrl(twin.home);
      const pipeline = await createPipeline(twin, {
        print: options.json ? undefined : (line) => console.log(line),
        // On stderr, so stdout keeps the results (and --json its one object): a redrawn line on a terminal.
        trainingProgress: trainingProgress(process.stderr),
        autoApprove: options.autoApprove,
        timeScale: 20,
        baseUrl,
      });
      try {
        await provision(twin, pipeline);
        recoverOrphans(pipeline);
        const asOf = options.asOf ? new Date(options.asOf) : latestAsOf(twin);
        if (Number.isNaN(asOf.getTime())) throw new Error(`--as-of ${JSON.stringify(options.asOf)} is not an ISO 8601 time`);
        const execution = await runTraining(pipeline, asOf, 'started by hand (mlops train)', options.json ? () => {} : console.log);
        const deploymentArn = (execution.output as { deploymentExecutionArn?: string } | undefined)?.deploymentExecutionArn;
        let deployment: ExecutionRecord | undefined;
        if (deploymentArn && options.deploy) {
          if (!options.json) console.log('waiting for the approvals: `mlops approvals` in another terminal lists their links (or open the dashboard of `mlops up`)');
          deployment = await pipeline.stepFunctions.waitForExecution(deploymentArn);
          if (!options.json) console.log(`deployment ${deployment.status}: ${JSON.stringify(deployment.output ?? { error: deployment.error, cause: deployment.cause })}`);
        }
        if (options.json) console.log(JSON.stringify({ ...execution, ...(deployment ? { deployment } : {}) }));
        if (execution.status !== 'SUCCEEDED' || (deployment && deployment.status !== 'SUCCEEDED')) process.exitCode = 1;
      } finally {
        pipeline.close();
        twin.close();
      }
    });
}
