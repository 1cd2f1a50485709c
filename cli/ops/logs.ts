// `kelos logs <task> [-f]`: the init containers' logs (stderr), then the
// agent's, pretty-printed for its agent type.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { Kind, Label } from '../../lib/api/constants.js';
import type { Task } from '../../lib/api/task.js';
import type { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { AgentPod, taskLabelValue } from '../../lib/render/job.js';
import { UserError } from '../errors.js';
import { type GlobalOptions, requireCrds, sleep, withCluster } from './_context.js';
import { AgentLogFormatter, type Printed } from './log-format.js';

export interface LogsOptions {
  readonly follow?: boolean;
  /** Print the agent's stream as it is, without formatting. */
  readonly raw?: boolean;
  /** Only the agent container, not the init containers. */
  readonly agentOnly?: boolean;
}

const POLL_MS = 1000;

async function newestPod(client: KubeClient, namespace: string, task: string): Promise<V1Pod | undefined> {
  const list = await client.list<V1Pod>(resourcePath(Resources.pods, { namespace }), { labelSelector: `${Label.TASK}=${taskLabelValue(task)}` });
  return list.items.sort((a, b) => String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? '')))[0];
}

function containerStatus(pod: V1Pod, name: string): V1ContainerStatus | undefined {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((c) => c.name === name);
}

const started = (s: V1ContainerStatus | undefined) => Boolean(s?.state?.running || s?.state?.terminated);
const podDone = (pod: V1Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

export async function runLogs(g: GlobalOptions, taskName: string, opts: LogsOptions): Promise<void> {
  const write = (p: Printed) => (p.stream === 'stdout' ? process.stdout : process.stderr).write(`${p.text}\n`);
  await withCluster(g, async ({ client, namespace }) => {
    await requireCrds(client, [Kind.TASK]);
    const taskPath = resourcePath(Resources.tasks, { namespace, name: taskName });
    let task = await client.get<Task>(taskPath);
    if (!task) throw new UserError(`task "${taskName}" not found in namespace "${namespace}": list them with \`kelos get task -n ${namespace}\``);

    // The pod: wait for it while the Task has none yet.
    let pod = await newestPod(client, namespace, taskName);
    let waiting = false;
    while (!pod) {
      const phase = task.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') {
        throw new UserError(
          `task/${taskName} is ${phase} and has no pod${task.status?.message ? ` (${task.status.message})` : ''}: its pod was deleted or never ran`,
        );
      }
      if (!waiting) {
        process.stderr.write(`Waiting for the pod of task/${taskName} (${phase ?? 'Pending'}${task.status?.message ? `: ${task.status.message}` : ''})\n`);
        waiting = true;
      }
      await sleep(POLL_MS);
      task = await client.get<Task>(taskPath);
      if (!task) throw new UserError(`task/${taskName} was deleted while waiting for its pod`);
      pod = await newestPod(client, namespace, taskName);
    }
    const podName = pod.metadata!.name!;
    const podPath = resourcePath(Resources.pods, { namespace, name: podName });
    const containers = [
      ...(opts.agentOnly ? [] : (pod.spec?.initContainers ?? []).map((c) => ({ name: c.name, init: true }))),
      ...(pod.spec?.containers ?? []).map((c) => ({ name: c.name, init: false })),
    ];
    for (const c of containers) {
      // Wait until the container has started; a pod that ended without it is done.
      let status = containerStatus(pod, c.name);
      while (!started(status)) {
        if (podDone(pod) || !opts.follow) break;
        await sleep(POLL_MS);
        const p = await client.get<V1Pod>(podPath);
        if (!p) throw new UserError(`pod ${podName} of task/${taskName} was deleted`);
        pod = p;
        status = containerStatus(pod, c.name);
      }
      if (!started(status)) continue;
      const agent = c.name === AgentPod.AGENT_CONTAINER;
      const formatter = agent && !opts.raw ? new AgentLogFormatter(task.spec.type) : undefined;
      if (!opts.agentOnly) process.stderr.write(`==> ${c.init ? 'init container ' : ''}${c.name} <==\n`);
      const onLine = (line: string) => {
        if (formatter) for (const p of formatter.line(line)) write(p);
        else write({ stream: agent ? 'stdout' : 'stderr', text: line });
      };
      const follow = opts.follow === true && !status?.state?.terminated;
      const stop = new AbortController();
      // A follow ends when the container exits; stop it ourselves too, in case the node keeps it open.
      const watcher = follow
        ? (async () => {
            // Interruptible sleeps: when the stream ends first, the watcher ends with it.
            while (!stop.signal.aborted) {
              await sleep(POLL_MS, stop.signal);
              if (stop.signal.aborted) break;
              const p = await client.get<V1Pod>(podPath).catch(() => undefined);
              if (!p || containerStatus(p, c.name)?.state?.terminated) {
                await sleep(2 * POLL_MS, stop.signal);
                stop.abort();
              }
            }
          })()
        : undefined;
      try {
        await client.streamLines(`${podPath}/log`, { container: c.name, ...(follow ? { follow: true } : {}) }, onLine, stop.signal);
      } catch (err) {
        if (!stop.signal.aborted) throw err;
      } finally {
        stop.abort();
        await watcher;
      }
      if (formatter) for (const p of formatter.flush()) write(p);
      const p = await client.get<V1Pod>(podPath);
      if (p) pod = p;
    }
  });
}
