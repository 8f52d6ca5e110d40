/** `mlops`: the local twin's command line. Each command lives in local/commands/. */
import { Command } from 'commander';
import { statfsSync } from 'node:fs';
import { HomeLockedError, HomeNotWritableError } from './lock';
import { resolveHomeDir } from './home';
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
  let home: string | undefined;
  const program = createProgram().hook('preAction', (_program, action) => void (home = action.opts().home as string | undefined));
  try {
    await program.parseAsync(argv);
  } catch (error) {
    throw explainHomeError(resolveHomeDir(home), error);
  }
}

/** SQLite's and the file system's ways of saying a directory is full, or may not be written. */
const FULL = /^(SQLITE_FULL|ENOSPC|EDQUOT)$/;
const NOT_WRITABLE = /^(SQLITE_READONLY|SQLITE_CANTOPEN|SQLITE_PERM|SQLITE_AUTH|EROFS|EACCES|EPERM)/;

/**
 * A storage error of any command, said in one line in terms of its home: which directory, what is wrong, what to
 * do. SQLite's transactions (and opening before writing) leave what was stored as it was. Other errors pass as
 * they are, and so do those `mlops up` has already explained.
 */
export function explainHomeError(dir: string, error: unknown): unknown {
  if (error instanceof HomeNotWritableError || error instanceof HomeLockedError) return error;
  const code = String((error as { code?: unknown } | undefined)?.code ?? '');
  const said = `${code}: ${(error as Error).message}`;
  // A full disk reaches SQLite as an I/O error when it cannot even map its shared-memory file.
  if (FULL.test(code) || (code.startsWith('SQLITE_IOERR') && hasNoSpaceLeft(dir))) {
    return new HomeNotWritableError(`the home ${dir} is full (${said}): free space on its disk, then run the command again; what was stored before is kept whole`, { cause: error });
  }
  if (NOT_WRITABLE.test(code)) {
    return new HomeNotWritableError(
      `the home ${dir} cannot be opened for writing (${said}): make it writable for this user (its permissions, or a read-only mount), or choose another with --home or MLOPS_HOME; nothing was changed`,
      { cause: error },
    );
  }
  return error;
}

function hasNoSpaceLeft(dir: string): boolean {
  try {
    return statfsSync(dir).bavail === 0;
  } catch {
    return false;
  }
}
