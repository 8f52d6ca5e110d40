/** `mlops`: the local twin's command line. Each command lives in local/commands/. */
import { Command } from 'commander';
import { registerStatusCommand } from './commands/status';
import { registerUpCommand } from './commands/up';

export function createProgram(): Command {
  const program = new Command('mlops')
    .description('DeepAR fee forecasting pipeline: the local twin of the AWS Step Functions + SageMaker stack')
    .showHelpAfterError();
  registerUpCommand(program);
  registerStatusCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await createProgram().parseAsync(argv);
}
