import { describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.js';

async function run(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  try {
    return { code: await main(args), stderr, stdout };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
}

describe('kelos spawner', () => {
  it('documents its flags', async () => {
    const { stdout } = await run(['spawner', '--help']);
    for (const flag of ['--taskspawner', '--one-shot', '--github-api-base-url', '--kubeconfig', '--metrics-addr']) expect(stdout).toContain(flag);
  });

  it('refuses a --taskspawner that is not <namespace>/<name>, with exit code 2', async () => {
    const { code, stderr } = await run(['spawner', '--taskspawner', 'just-a-name']);
    expect(code).toBe(2);
    expect(stderr).toContain(`'--taskspawner' must be <namespace>/<name>, got "just-a-name"`);
  });

  it('refuses a --metrics-addr that is not [host]:port before touching the cluster, with exit code 2', async () => {
    const { code, stderr } = await run(['spawner', '--taskspawner', 'team/x', '--metrics-addr', 'everywhere', '--kubeconfig', '/nonexistent']);
    expect(code).toBe(2);
    expect(stderr).toContain(`'--metrics-addr': invalid address "everywhere": expected [host]:port`);
  });
});
