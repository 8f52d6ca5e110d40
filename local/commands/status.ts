import type { Command } from 'commander';
import { openTwin } from '../twin';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("print the local feature store's range, row count and gaps")
    .option('--home <dir>', 'data dir (default $MLOPS_HOME or ./.mlops)')
    .option('--json', 'print one JSON object')
    .action((options: { home?: string; json?: boolean }) => {
      const twin = openTwin(options.home);
      try {
        const summary = twin.featureStore.summary();
        if (options.json) {
          console.log(JSON.stringify({ home: twin.home.dir, featureStore: summary }));
          return;
        }
        console.log(`data dir       ${twin.home.dir}`);
        console.log(`feature group  ${summary.featureGroup}`);
        if (summary.minutes === 0) {
          console.log('records        none yet: run `mlops up` (npm start) to replay the history into it');
          return;
        }
        console.log(`range          ${summary.first} .. ${summary.last}`);
        console.log(`rows           ${summary.rows} (${summary.minutes} distinct minutes, ${summary.rows - summary.minutes} older versions)`);
        console.log(`gaps           ${summary.gaps.length} (${summary.missingMinutes} missing minutes)`);
        for (const gap of summary.gaps.slice(0, 10)) console.log(`               ${gap.from} .. ${gap.to} exclusive: ${gap.minutes} min`);
        if (summary.gaps.length > 10) console.log(`               … and ${summary.gaps.length - 10} more`);
      } finally {
        twin.close();
      }
    });
}
