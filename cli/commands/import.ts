import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('import')
    .description('turn Kelos YAML (Tasks, TaskSpawners, Workspaces, AgentConfigs) into a TypeScript pipeline file using the constructs')
    .argument('<paths...>', 'YAML files or directories')
    .option('-o, --output <file>', 'write the pipeline file here (default: stdout)')
    .option('--class-name <name>', 'class name of the chart (default: from the namespace, else Imported)')
    .option('--main', 'also create the app and call app.synth(), so the file runs on its own', false)
    .option('--from <module>', 'module to import the constructs from', 'kelos')
    .option('-f, --force', 'replace an existing output file', false)
    .action(async (paths: string[], opts: { output?: string; className?: string; main: boolean; from: string; force: boolean }) => {
      const { runImport } = await import('../ops/import.js');
      runImport(paths, opts);
    });
}
