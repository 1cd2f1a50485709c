import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { formatError, UserError } from './errors.js';

/** Builds the `kelos` program; exported so tests can run commands in-process. */
export function buildProgram(): Command {
  const program = new Command('kelos')
    .description('Kubernetes-native autonomous AI coding agents, compiled from typed pipelines')
    .option('--verbose', 'show details (stack traces, requests) on errors', false)
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: its current context)')
    .option('-n, --namespace <name>', "namespace (default: the config file's, else the kubeconfig context's, else default)")
    .option('--config <path>', 'kelos config file (default: ~/.kelos/config.yaml)')
    .addHelpText('after', '\nRun `kelos --version` for the version, `kelos <command> --help` for a command.')
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(str) });
  for (const register of commands) register(program);
  // Global options are parsed wherever they appear; a command that declares one
  // of them itself (controller, spawner) still receives the value.
  program.hook('preAction', (root, command) => {
    for (const key of ['kubeconfig', 'namespace'] as const) {
      const value = root.getOptionValue(key);
      if (value !== undefined && command !== root && command.options.some((o) => o.attributeName() === key) && command.getOptionValue(key) === undefined) {
        command.setOptionValue(key, value);
      }
    }
  });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // Not a commander option: `install --version <x.y.z>` has its own, and global options parse anywhere.
  if (argv.length === 1 && argv[0] === '--version') {
    const { KELOS_VERSION } = await import('../lib/render/images.js');
    process.stdout.write(`${KELOS_VERSION}\n`);
    return 0;
  }
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
