import type { V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../lib/api/task.js';
import { SharedInformers } from '../../lib/controller/_shared-informers.js';
import { slimPod } from '../../lib/controller/_transforms.js';
import { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources } from '../../lib/kube/resource-path.js';

// Informers are only built here, never started: the client points at a closed loopback port.
let client: KubeClient;
beforeAll(async () => {
  client = await KubeClient.fromConnection({ server: 'http://127.0.0.1:9' });
});
afterAll(() => client.close());

const logger = pino({ level: 'silent' });
const byBranch = (t: Task) => (t.spec?.branch ? [t.spec.branch] : []);
const byWorkspace = (t: Task) => (t.spec?.workspaceRef ? [t.spec.workspaceRef.name] : []);

describe('SharedInformers', () => {
  it('gives every watch of a resource the same informer, in the order first asked for', () => {
    const informers = new SharedInformers(client, { logger, namespaces: ['team-a'] });
    const tasks = informers.informer<Task>({ resource: Resources.tasks });
    informers.informer({ resource: Resources.workspaces });
    expect(informers.informer<Task>({ resource: Resources.tasks })).toBe(tasks);
    expect(informers.stats().map((s) => s.path)).toEqual([
      '/apis/kelos.dev/v1alpha1/namespaces/team-a/tasks',
      '/apis/kelos.dev/v1alpha1/namespaces/team-a/workspaces',
    ]);
    expect(informers.sizes()).toEqual({ tasks: 0, workspaces: 0 });
  });

  it('reads one informer per namespace of a namespaced install as one cache', () => {
    const informers = new SharedInformers(client, { logger, namespaces: ['team-a', 'team-b'] });
    const tasks = informers.informer<Task>({ resource: Resources.tasks, indexes: { branch: byBranch } });
    expect(informers.stats().map((s) => s.path)).toEqual([
      '/apis/kelos.dev/v1alpha1/namespaces/team-a/tasks',
      '/apis/kelos.dev/v1alpha1/namespaces/team-b/tasks',
    ]);
    expect(tasks.get('team-c', 'x')).toBeUndefined();
    expect(tasks.namespace('team-b').size).toBe(0);
    expect(tasks.byIndex('branch', 'main')).toEqual([]);
    expect(informers.sizes()).toEqual({ tasks: 0 });
  });

  it('merges the indexes two watches declare', () => {
    const informers = new SharedInformers(client, { logger });
    const tasks = informers.informer<Task>({ resource: Resources.tasks, indexes: { branch: byBranch } });
    informers.informer<Task>({ resource: Resources.tasks, indexes: { branch: byBranch, workspace: byWorkspace } });
    expect(tasks.byIndex('branch', 'main')).toEqual([]);
    expect(tasks.byIndex('workspace', 'ws')).toEqual([]);
  });

  it('fails when two watches file different keys under one index name', () => {
    const informers = new SharedInformers(client, { logger });
    informers.informer<Task>({ resource: Resources.tasks, indexes: { branch: byBranch } });
    expect(() => informers.informer<Task>({ resource: Resources.tasks, indexes: { branch: byWorkspace } })).toThrow(
      'the informer of /apis/kelos.dev/v1alpha1/tasks already has a different index "branch"',
    );
  });

  it('fails when two watches of a resource cache different objects', () => {
    const informers = new SharedInformers(client, { logger });
    informers.informer<V1Pod>({ resource: Resources.pods, labelSelector: 'a=b', transform: slimPod });
    expect(() => informers.informer<V1Pod>({ resource: Resources.pods, labelSelector: 'a=c', transform: slimPod })).toThrow(
      '/api/v1/pods is watched with two label selectors: "a=b" and "a=c"',
    );
    expect(() => informers.informer<V1Pod>({ resource: Resources.pods, labelSelector: 'a=b' })).toThrow('/api/v1/pods is watched with two transforms');
  });
});
