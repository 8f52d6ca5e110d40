import type { Command } from 'commander';
import { ExecutionStore } from '../executor/execution-store';
import { openTwin } from '../twin';
import { formatDuration } from './format';
import { checkNumericOption } from './options';

const INTERRUPTED = 'its process has gone (killed or crashed): the next `mlops up` marks it ABORTED';

export function registerExecutionsCommand(program: Command): void {
  program
    .command('executions [execution]')
    .description('list the state machines’ executions, or show one execution’s event history (by name or ARN)')
    .option('--home <dir>', 'data dir (default $MLOPS_HOME or ./.mlops)')
    .option('--limit <n>', 'how many executions to list (1 to 100000)', '20')
    .option('--json', 'print one JSON array (the list) or object (one execution with its history)')
    .action(async (execution: string | undefined, options: { home?: string; limit: string; json?: boolean }) => {
      // Checked before the store is opened: "--limit -5" once listed everything (SQLite's LIMIT -1 is no limit).
      const limit = checkNumericOption('--limit', options.limit);
      // Read-only: the executions table is enough, no need to build the pipeline (and seed, recover jobs).
      const twin = openTwin(options.home);
      try {
        const store = new ExecutionStore(twin.home.db);
        // Left RUNNING by a process that has died: said so here; only the next `mlops up` writes it down.
        const interrupted = new Set(store.orphans());
        if (!execution) {
          const list = store.list({ limit });
          if (options.json) return console.log(JSON.stringify(list.map((e) => (interrupted.has(e.executionArn) ? { ...e, interrupted: true } : e))));
          if (list.length === 0) return console.log('no executions yet: `mlops up` starts a training once history is in, `mlops train` starts one now');
          for (const e of list) {
            const output = e.output as { status?: string; reason?: string } | undefined;
            const outcome = interrupted.has(e.executionArn) ? INTERRUPTED : e.status === 'SUCCEEDED' ? (output?.status ?? '') : e.status === 'RUNNING' ? '' : `${e.error}`;
            const took = e.stopDate ? `  (${formatDuration(Date.parse(e.stopDate) - Date.parse(e.startDate))})` : '';
            console.log(`${e.startDate}  ${(interrupted.has(e.executionArn) ? 'INTERRUPTED' : e.status).padEnd(11)}  ${e.name.padEnd(40)}  ${outcome}${took}`);
          }
          return;
        }
        const match = store.list({ limit: 100_000 }).find((e) => e.executionArn === execution || e.name === execution);
        if (!match) throw new Error(`no execution named ${execution} in ${twin.home.dir} (see \`mlops executions\`)`);
        const history = store.history(match.executionArn);
        const isInterrupted = interrupted.has(match.executionArn);
        if (options.json) return console.log(JSON.stringify({ execution: isInterrupted ? { ...match, interrupted: true } : match, history }));
        console.log(`${match.executionArn}\n${isInterrupted ? `INTERRUPTED: ${INTERRUPTED}` : `${match.status}${match.error ? `: ${match.error}: ${match.cause}` : ''}`}`);
        for (const event of history) console.log(`${event.timestamp}  ${event.type.padEnd(18)}  ${event.stateName ?? ''}`);
        if (match.output) console.log(JSON.stringify(match.output, null, 2));
      } finally {
        twin.close();
      }
    });
}
