// Pure parts of the test control plane: CRI log formatting and kwok's config.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { kwokConfigYaml, OUTCOME_LABEL } from './kwok-config.js';
import { criLog, jobLogKey, logFileFor } from './pod-logs.js';

describe('criLog', () => {
  const at = new Date('2026-01-02T03:04:05.678Z');
  it('writes one full (F) CRI line per line and a partial (P) line for a trailing fragment', () => {
    expect(criLog('a\nb\n', 'stdout', at)).toBe('2026-01-02T03:04:05.678000000Z stdout F a\n2026-01-02T03:04:05.678000000Z stdout F b\n');
    expect(criLog('x\ny', 'stderr', at)).toBe('2026-01-02T03:04:05.678000000Z stderr F x\n2026-01-02T03:04:05.678000000Z stderr P y\n');
    expect(criLog('', 'stdout', at)).toBe('');
    expect(criLog('\n', 'stdout', at)).toBe('2026-01-02T03:04:05.678000000Z stdout F \n');
  });
});

describe('log files', () => {
  it('maps keys and containers to files and refuses path tricks', () => {
    expect(logFileFor('/d', 'k')).toBe('/d/k.log');
    expect(logFileFor('/d', 'k', 'kelos-agent')).toBe('/d/k.kelos-agent.log');
    expect(jobLogKey('ns-1', 'task-a')).toBe('job.ns-1.task-a');
    expect(() => logFileFor('/d', '../etc/passwd')).toThrow(/must match/);
    expect(() => logFileFor('/d', 'a/b')).toThrow(/must match/);
  });
});

describe('kwok configuration', () => {
  it('is valid YAML with every stage, the fail outcome and the catch-all ClusterLogs', () => {
    const docs = parseAllDocuments(kwokConfigYaml('/logs/_empty.log')).map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> };
    });
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Stage/node-initialize',
      'Stage/node-heartbeat-with-lease',
      'Stage/pod-create',
      'Stage/pod-init-container-running',
      'Stage/pod-init-container-completed',
      'Stage/pod-ready',
      'Stage/pod-complete',
      'Stage/pod-fail',
      'Stage/pod-delete',
      'ClusterLogs/kelos-test-default',
    ]);
    const fail = JSON.stringify(docs.find((d) => d.metadata.name === 'pod-fail'));
    expect(fail).toContain(OUTCOME_LABEL);
    expect(fail).toContain('phase: Failed');
    expect(JSON.stringify(docs.at(-1))).toContain('/logs/_empty.log');
  });
});
