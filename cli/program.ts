/**
 * The `duban` command line: one commander program, one module per subcommand.
 * A subcommand module exports `register(program)`; add it to COMMANDS below.
 */
import { Command, CommanderError } from 'commander';
import * as importCommand from './commands/import.ts';
import * as simulateCommand from './commands/simulate.ts';
import { err as stderr, errorMessage } from './io.ts';

export interface CommandModule {
  register(program: Command): void;
}

/** Subcommands, in the order `duban --help` lists them. */
export const COMMANDS: CommandModule[] = [importCommand, simulateCommand];

export function buildProgram(): Command {
  const program = new Command('duban')
    .description('督办：改革任务督查督办 / Duban: supervision of reform tasks')
    .version('0.1.0', '-V, --version', '显示版本 / print the version')
    .helpOption('-h, --help', '显示帮助 / show help')
    .helpCommand('help [command]', '显示命令帮助 / show help for a command')
    .showHelpAfterError()
    // Throw instead of exiting so main() decides the exit code (usage errors exit 2).
    .exitOverride();
  for (const command of COMMANDS) command.register(program);
  return program;
}

/** Run the CLI; resolves with the exit code (also set on process.exitCode). */
export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage errors (unknown option, missing argument) exit 2.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
    } else {
      const message = err instanceof Error ? err.message : String(err);
      await errorMessage(`意外错误：${message}`, `Unexpected error: ${message}`);
      if (process.env.DUBAN_DEBUG && err instanceof Error) await stderr(err.stack ?? '');
      process.exitCode = 1;
    }
  }
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = code;
  return code;
}
