import { Command, CommanderError } from 'commander';
import { createRunner } from './command-kit';
import { registerBackupCommands } from './commands/backup';
import { registerGroupCommands } from './commands/groups';
import { registerMaintenanceCommands } from './commands/maintenance';
import { registerStaticNginxCommand } from './commands/static-nginx';
import { registerUserCommands } from './commands/users';
import { CliError, CliIo } from './io';

/** Builds the `refity` program; `setExitCode` receives each command's exit code. */
export function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('refity')
    .description('Refity admin CLI: accounts, groups, garbage collection, retention, reindex, verify, backup and restore.\nReads the same environment as the apps (DATA_DIR, FTP_*, DATABASE_URL, GC_*).')
    .option('--json', 'print the result as JSON on standard output')
    .option('--verbose', 'log storage connection messages on standard error')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError();
  const run = createRunner(io, setExitCode);
  registerUserCommands(program, run);
  registerGroupCommands(program, run);
  registerMaintenanceCommands(program, run);
  registerBackupCommands(program, run);
  registerStaticNginxCommand(program, run);
  return program;
}

/**
 * Runs one command line (without `node main.js`) and resolves to the exit code: 0 done,
 * 1 failed or problems found (verify), 2 bad usage or configuration.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => (exitCode = code));
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version end here too, with exit code 0
      return error.exitCode === 1 ? 2 : error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof CliError ? error.exitCode : 1;
    io.stderr.write(`refity: ${message}\n`);
    if (!(error instanceof CliError) && argv.includes('--verbose') && error instanceof Error) io.stderr.write(`${error.stack}\n`);
    if (json) io.stdout.write(`${JSON.stringify({ error: message })}\n`);
    return code;
  }
}
