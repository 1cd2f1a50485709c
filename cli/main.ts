import { Command, CommanderError } from 'commander';
import { UserError, formatError } from './errors.js';
import { commands } from './commands/index.js';

/** Builds the `kelos` program; exported so tests can run commands in-process. */
export function buildProgram(): Command {
  const program = new Command('kelos')
    .description('Kubernetes-native autonomous AI coding agents, compiled from typed pipelines')
    .option('--verbose', 'show details (stack traces, requests) on errors', false)
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(str) });
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode;
    }
    const verbose = argv.includes('--verbose');
    process.stderr.write(formatError(err, verbose) + '\n');
    return err instanceof UserError ? err.exitCode : 1;
  }
}
