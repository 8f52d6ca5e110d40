/** `mlops`: the local twin's command line. Each command lives in local/commands/. */
import { Command } from 'commander';
import { registerApprovalCommands } from './commands/approve';
import { registerBacktestCommand } from './commands/backtest';
import { registerConfigCommand } from './commands/config';
import { registerExecutionsCommand } from './commands/executions';
import { checkNumericOptions } from './commands/options';
import { registerStatusCommand } from './commands/status';
import { registerTrainCommand } from './commands/train';
import { registerUpCommand } from './commands/up';

export function createProgram(): Command {
  const program = new Command('mlops')
    .description('DeepAR fee forecasting pipeline: the local twin of the AWS Step Functions + SageMaker stack')
    .showHelpAfterError()
    // Every numeric option of every command, checked before the command opens anything.
    .hook('preAction', (_program, action) => checkNumericOptions(action));
  registerUpCommand(program);
  registerStatusCommand(program);
  registerTrainCommand(program);
  registerExecutionsCommand(program);
  registerConfigCommand(program);
  registerApprovalCommands(program);
  registerBacktestCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await createProgram().parseAsync(argv);
}
