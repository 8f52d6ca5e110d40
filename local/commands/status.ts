import type { Command } from 'commander';
import { readTwinNow } from '../clock';
import { createPipeline } from '../pipeline';
import { statusSummary, type StageStatus, type StatusSummary } from '../read-models/status';
import { openTwin } from '../twin';
import { formatDuration, formatFee, formatLoss } from './format';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('one screen: data range and gaps, the model serving each stage, its last check, pending approvals, running executions')
    .option('--home <dir>', 'data dir (default $MLOPS_HOME or ./.mlops)')
    .option('--json', 'print one JSON object (exact numbers)')
    .action(async (options: { home?: string; json?: boolean }) => {
      const twin = openTwin(options.home);
      // The twin's clock (`mlops up`'s replayed time when it runs or ran), so expiry and "ago" match what up sees.
      const now = () => readTwinNow(twin.home.dir, () => twin.featureStore.latestMinute()?.getTime());
      const pipeline = await createPipeline(twin, { now });
      try {
        const summary = await statusSummary(twin, pipeline, now());
        console.log(options.json ? JSON.stringify(summary) : formatStatus(summary).join('\n'));
      } finally {
        pipeline.close();
        twin.close();
      }
    });
}

const ago = (iso: string, now: string) => formatDuration(Date.parse(now) - Date.parse(iso));
const minute = (iso: string) => iso.replace(/:\d\d(\.\d+)?Z$/, 'Z');

/** The summary as lines a person reads: rounded numbers, one line or two per topic. */
export function formatStatus(s: StatusSummary): string[] {
  const fs = s.featureStore;
  const lines = [`data dir       ${s.home}`, `twin clock     ${minute(s.now)}`, `feature group  ${fs.featureGroup}`];
  if (fs.minutes === 0) {
    lines.push('records        none yet: run `mlops up` (npm start) to replay the history into it');
  } else {
    lines.push(`range          ${fs.first} .. ${fs.last} (${fs.minutes} minutes, ${fs.rows} rows; latest ${ago(fs.last!, s.now)} ago)`);
    const largest = fs.largestGap ? `; largest ${formatDuration(fs.largestGap.minutes * 60_000)}, ${fs.largestGap.from} .. ${fs.largestGap.to}` : '';
    lines.push(`gaps           ${fs.gaps.length} (${fs.missingMinutes} missing minutes${largest})`);
  }
  for (const [stage, status] of Object.entries(s.stages)) lines.push(...formatStage(stage, status, s.now));
  lines.push(
    s.pendingApprovals.length === 0
      ? 'approvals      none waiting'
      : `approvals      ${s.pendingApprovals.length} waiting (\`mlops approvals\` prints their links)`,
    ...s.pendingApprovals.map((a) => `               ${a.stage}: ${a.modelPackageArn}, loss ${formatLoss(a.meanWQuantileLoss)} (threshold ${formatLoss(a.threshold)}), expires ${a.expiresAt}`),
    s.runningExecutions.length === 0 ? 'running        no execution' : `running        ${s.runningExecutions.length} execution${s.runningExecutions.length > 1 ? 's' : ''}`,
    ...s.runningExecutions.map((e) => `               ${e.stateMachine.padEnd(15)} ${e.name}, for ${ago(e.startDate, s.now)}${e.interrupted ? ' (INTERRUPTED: its process has gone)' : ''}`),
  );
  return lines;
}

function formatStage(stage: string, { endpoint, model, lastCheck }: StageStatus, now: string): string[] {
  const label = stage.padEnd(15);
  const lines: string[] = [];
  if (!endpoint) lines.push(`${label}no endpoint deployed`);
  else if (!model) lines.push(`${label}${endpoint.name} ${endpoint.status} (config ${endpoint.endpointConfigName}; its model is not in the registry)`);
  else {
    const since = model.approvedAt ? `since ${minute(model.approvedAt)} (${ago(model.approvedAt, now)} ago, approved by ${model.approvedBy})` : `endpoint updated ${endpoint.lastModifiedTime}`;
    lines.push(`${label}model v${model.version} ${since}, evaluation loss ${formatLoss(model.meanWQuantileLoss)}; endpoint ${endpoint.status}`);
  }
  if (!lastCheck) lines.push(`${''.padEnd(15)}no monitoring check yet`);
  else if (lastCheck.outcome !== 'measured') lines.push(`${''.padEnd(15)}last check ${minute(lastCheck.at)}: ${lastCheck.outcome}${lastCheck.detail ? ` (${lastCheck.detail})` : ''}`);
  else {
    const verdict = lastCheck.breach ? 'BREACH' : 'within';
    const rmse = lastCheck.rmse === undefined ? '' : `, RMSE ${formatFee(lastCheck.rmse)}`;
    lines.push(`${''.padEnd(15)}last check ${minute(lastCheck.at)}: loss ${formatLoss(lastCheck.loss)} vs threshold ${formatLoss(lastCheck.threshold)}: ${verdict}${rmse}`);
  }
  return lines;
}
