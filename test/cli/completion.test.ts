// Shell completion: commands, options, fixed values and object names.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../cli/main.js';
import { complete, completionScript, globalsFromWords, type Lookup, splitLine } from '../../cli/ops/completion.js';
import { kelos, root } from './_kelos.js';

const asked: string[] = [];
const lookup: Lookup = {
  names: async (kind, ns) => {
    asked.push(`${kind}@${ns ?? '-'}`);
    return kind.startsWith('task') && !kind.startsWith('taskspawner') ? ['fix-1', 'fix-2', 'review'] : ['nightly'];
  },
  namespaces: async () => ['default', 'team'],
  contexts: () => ['kind-kelos', 'prod'],
};
const at = (line: string) => complete(buildProgram(), splitLine(line).slice(1), lookup);

describe('completion candidates', () => {
  it('are the commands, then their options and the global ones', async () => {
    expect(await at('kelos ')).toEqual(expect.arrayContaining(['install', 'run', 'get', 'logs', 'import', 'diff', 'completion']));
    expect(await at('kelos ')).not.toContain('__complete');
    expect(await at('kelos su')).toEqual(['suspend']);
    expect(await at('kelos logs --f')).toEqual(['--follow']);
    expect(await at('kelos run --pro')).toEqual(['--prompt', '--prompt-file']);
    expect(await at('kelos get --n')).toEqual(['--namespace']);
  });

  it('are fixed values after options that take them', async () => {
    expect(await at('kelos run --type c')).toEqual(['claude-code', 'codex', 'cursor']);
    expect(await at('kelos run --credential-type ')).toEqual(['api-key', 'oauth', 'none']);
    expect(await at('kelos get task -o ')).toEqual(['wide', 'name', 'yaml', 'json']);
    expect(await at('kelos get task --phase R')).toEqual(['Running']);
    expect(await at('kelos --context ')).toEqual(['kind-kelos', 'prod']);
    expect(await at('kelos -n t')).toEqual(['team']);
    expect(await at('kelos run --prompt-file ')).toEqual([]); // files: left to the shell
  });

  it('are kinds, then object names from the namespace of the command line', async () => {
    expect(await at('kelos get ')).toEqual(['task', 'taskspawner', 'workspace', 'agentconfig']);
    asked.length = 0;
    expect(await at('kelos -n team get task fix')).toEqual(['fix-1', 'fix-2']);
    expect(asked).toEqual(['task@team']);
    expect(await at('kelos suspend ')).toEqual(['taskspawner']);
    expect(await at('kelos resume taskspawner ')).toEqual(['nightly']);
    expect(await at('kelos logs r')).toEqual(['review']);
    expect(await at('kelos completion ')).toEqual(['bash', 'zsh', 'fish']);
  });

  it('split the line as the shell does', () => {
    expect(splitLine('kelos get ')).toEqual(['kelos', 'get', '']);
    expect(splitLine('kelos run -p "two words" --na')).toEqual(['kelos', 'run', '-p', 'two words', '--na']);
    expect(globalsFromWords(['--kubeconfig', '/k', '-n', 'team', '--context=prod', 'get', ''])).toEqual({
      kubeconfig: '/k',
      namespace: 'team',
      context: 'prod',
    });
  });
});

describe('kelos completion', () => {
  it('prints a script for bash, zsh and fish, and rejects other shells', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await kelos(['completion', shell]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(completionScript(shell));
      expect(r.stdout).toContain('kelos __complete');
    }
    const bad = await kelos(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('Error: unknown shell "tcsh": use bash, zsh, fish\n');
  });

  it('completes in bash through the script', () => {
    const bin = mkdtempSync(join(tmpdir(), 'kelos-bin-'));
    writeFileSync(join(bin, 'kelos'), `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'bin/kelos.mjs')}" "$@"\n`);
    chmodSync(join(bin, 'kelos'), 0o755);
    const script = `source <(kelos completion bash)
COMP_LINE="kelos get task --phase Fa"; COMP_POINT=\${#COMP_LINE}; COMP_WORDS=(kelos get task --phase Fa); COMP_CWORD=4
_kelos; printf '%s\\n' "\${COMPREPLY[@]}"
COMP_LINE="kelos ins"; COMP_POINT=\${#COMP_LINE}; COMP_WORDS=(kelos ins); COMP_CWORD=1
_kelos; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, KELOS_FROM_SOURCE: '1' } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Failed\ninstall\n');
  }, 180_000);
});
