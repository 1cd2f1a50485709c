// The test control plane itself: real apiserver at the pinned version, RBAC,
// namespaces, Jobs run to completion by kwok, pod logs through the API, and a
// pod labelled to fail failing its Job.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clusterInfo,
  createNamespace,
  FAIL_EXIT_CODE,
  kubeConfig,
  kubeconfigPath,
  LOG_LABEL,
  OUTCOME_LABEL,
  type TestNamespace,
  waitFor,
  writeJobLog,
  writePodLog,
} from './harness.js';
import { pinnedVersions } from './paths.js';

const kc = kubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const batch = kc.makeApiClient(k8s.BatchV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const authz = kc.makeApiClient(k8s.AuthorizationV1Api);

let ns: TestNamespace;
beforeAll(async () => {
  ns = await createNamespace('harness');
});
afterAll(async () => {
  await ns?.cleanup();
});

function job(name: string, opts: { labels?: Record<string, string>; init?: boolean } = {}): k8s.V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: opts.labels ?? {} },
        spec: {
          restartPolicy: 'Never',
          ...(opts.init ? { initContainers: [{ name: 'setup', image: 'busybox', command: ['true'] }] } : {}),
          containers: [{ name: 'main', image: 'busybox', command: ['echo', 'hi'] }],
        },
      },
    },
  };
}

async function finishedJob(name: string): Promise<{ job: k8s.V1Job; condition: string }> {
  return waitFor(`Job ${ns.name}/${name} to finish`, async () => {
    const j = await batch.readNamespacedJob({ name, namespace: ns.name });
    const c = j.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
    return c ? { job: j, condition: c.type } : undefined;
  });
}

async function podsOf(jobName: string): Promise<k8s.V1Pod[]> {
  const list = await core.listNamespacedPod({ namespace: ns.name, labelSelector: `batch.kubernetes.io/job-name=${jobName}` });
  return list.items;
}

describe('test control plane', () => {
  it('serves the pinned Kubernetes version', async () => {
    const info = clusterInfo();
    expect(info.kubeconfig).toBe(kubeconfigPath());
    const version = await kc.makeApiClient(k8s.VersionApi).getCode();
    if (info.kubeVersion === null) {
      // a cluster we did not start (KELOS_TEST_KUBECONFIG): only its shape can be checked
      expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+/);
      return;
    }
    expect(version.gitVersion).toBe(info.kubeVersion);
    if (!info.external && !process.env.KUBEBUILDER_ASSETS) {
      expect(version.gitVersion).toBe(pinnedVersions().kube);
      expect(`v${version.major}.${version.minor}`).toBe(pinnedVersions().kube.replace(/\.\d+$/, ''));
    }
  });

  it('creates namespaces with their default ServiceAccount', async () => {
    const other = await createNamespace('harness-ns');
    try {
      expect(other.name).toMatch(/^harness-ns-[0-9a-f]{8}$/);
      const got = await core.readNamespace({ name: other.name });
      expect(got.status?.phase).toBe('Active');
      const sa = await core.readNamespacedServiceAccount({ name: 'default', namespace: other.name });
      expect(sa.metadata?.namespace).toBe(other.name);
    } finally {
      await other.cleanup();
    }
  });

  it('enforces RBAC for service accounts', async () => {
    const review = await authz.createSubjectAccessReview({
      body: {
        spec: {
          user: `system:serviceaccount:${ns.name}:default`,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${ns.name}`, 'system:authenticated'],
          resourceAttributes: { namespace: ns.name, verb: 'create', group: 'batch', resource: 'jobs' },
        },
      },
    });
    expect(review.status?.allowed).toBe(false);
  });

  it('runs a Job through init containers to Succeeded and serves its pod log', async () => {
    const key = `hello-${ns.name}`;
    writePodLog(key, 'hello from the agent\n---KELOS_OUTPUTS_START---\nbranch: main\n---KELOS_OUTPUTS_END---\n');
    writePodLog(key, 'cloned\n', { container: 'setup' });
    await batch.createNamespacedJob({ namespace: ns.name, body: job('hello', { labels: { [LOG_LABEL]: key }, init: true }) });

    const { job: done, condition } = await finishedJob('hello');
    expect(condition).toBe('Complete');
    expect(done.status?.succeeded).toBe(1);

    const [pod, ...more] = await podsOf('hello');
    expect(more).toHaveLength(0);
    expect(pod!.status?.phase).toBe('Succeeded');
    expect(pod!.spec?.nodeName).toBe('kwok-node-0');
    expect(pod!.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
    expect(pod!.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);

    const log = await core.readNamespacedPodLog({ name: pod!.metadata!.name!, namespace: ns.name, container: 'main' });
    expect(log).toBe('hello from the agent\n---KELOS_OUTPUTS_START---\nbranch: main\n---KELOS_OUTPUTS_END---\n');
    const initLog = await core.readNamespacedPodLog({ name: pod!.metadata!.name!, namespace: ns.name, container: 'setup' });
    expect(initLog).toBe('cloned\n');
    const tail = await core.readNamespacedPodLog({ name: pod!.metadata!.name!, namespace: ns.name, container: 'main', tailLines: 2 });
    expect(tail).toBe('branch: main\n---KELOS_OUTPUTS_END---\n');
  });

  it('serves a log arranged by Job name for unlabelled pods, and an empty log otherwise', async () => {
    writeJobLog(ns.name, 'by-name', 'line 1\nline 2 without newline');
    await batch.createNamespacedJob({ namespace: ns.name, body: job('by-name') });
    expect((await finishedJob('by-name')).condition).toBe('Complete');
    const [pod] = await podsOf('by-name');
    expect(await core.readNamespacedPodLog({ name: pod!.metadata!.name!, namespace: ns.name, container: 'main' })).toBe('line 1\nline 2 without newline');
    // a pod with neither a log label nor a Job gets the empty catch-all log
    await core.createNamespacedPod({
      namespace: ns.name,
      body: {
        metadata: { name: 'bare' },
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] },
      },
    });
    await waitFor('pod bare to succeed', async () => {
      const p = await core.readNamespacedPod({ name: 'bare', namespace: ns.name });
      return p.status?.phase === 'Succeeded' || undefined;
    });
    expect(await core.readNamespacedPodLog({ name: 'bare', namespace: ns.name, container: 'main' })).toBe('');
  });

  it('fails the Job of a pod labelled to fail, with a non-zero exit code', async () => {
    await batch.createNamespacedJob({ namespace: ns.name, body: job('doomed', { labels: { [OUTCOME_LABEL]: 'fail' }, init: true }) });
    const { job: done, condition } = await finishedJob('doomed');
    expect(condition).toBe('Failed');
    expect(done.status?.failed).toBe(1);
    expect(done.status?.succeeded ?? 0).toBe(0);
    const [pod] = await podsOf('doomed');
    expect(pod!.status?.phase).toBe('Failed');
    const code = pod!.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
    expect(code).toBe(FAIL_EXIT_CODE);
    expect(code).not.toBe(0);
  });

  it('keeps the pods of a Deployment running', async () => {
    await apps.createNamespacedDeployment({
      namespace: ns.name,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'nginx' }] },
          },
        },
      },
    });
    const d = await waitFor('Deployment web available', async () => {
      const got = await apps.readNamespacedDeployment({ name: 'web', namespace: ns.name });
      return got.status?.availableReplicas === 2 ? got : undefined;
    });
    expect(d.status?.readyReplicas).toBe(2);
    const pods = await core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=web' });
    expect(pods.items.map((p) => p.status?.phase)).toEqual(['Running', 'Running']);
  });
});
