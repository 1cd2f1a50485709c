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

describe('kelos controller', () => {
  it('documents its flags', async () => {
    const { stdout } = await run(['controller', '--help']);
    for (const flag of [
      '--kubeconfig',
      '--namespace',
      '--metrics-addr',
      '--health-addr',
      '--leader-elect',
      '--leader-election-namespace',
      '--relist-interval',
      '--spawner-image',
      '--claude-code-image',
      '--codex-image',
      '--gemini-image',
      '--opencode-image',
      '--cursor-image',
    ]) {
      expect(stdout).toContain(flag);
    }
  });

  it('fails when --workers is not a positive integer', async () => {
    const { code, stderr } = await run(['controller', '--workers', '0']);
    expect(code).toBe(1);
    expect(stderr).toContain("'--workers' must be a positive integer, got 0");
  });

  it('fails when --metrics-addr is not [host]:port', async () => {
    const { code, stderr } = await run(['controller', '--metrics-addr', 'localhost']);
    expect(code).toBe(1);
    expect(stderr).toContain(`'--metrics-addr': invalid address "localhost": expected [host]:port`);
  });

  it('fails when --relist-interval is not a duration', async () => {
    const { code, stderr } = await run(['controller', '--relist-interval', '10 minutes']);
    expect(code).toBe(1);
    expect(stderr).toContain("'--relist-interval' must be a duration such as 10m or 90s, got 10 minutes");
  });

  it('fails when the leader election timings do not nest', async () => {
    const { code, stderr } = await run(['controller', '--leader-election-renew-deadline', '20']);
    expect(code).toBe(1);
    expect(stderr).toContain('retry period < renew deadline < lease duration');
  });

  it('fails clearly on a kubeconfig that does not exist', async () => {
    const { code, stderr } = await run(['controller', '--kubeconfig', '/nonexistent/kubeconfig', '--metrics-addr', '0', '--health-addr', '0']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Error: .*\/nonexistent\/kubeconfig/);
  });
});
