import { describe, expect, it } from 'vitest';
import { kelos as run } from '../cli/_kelos.js';

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
