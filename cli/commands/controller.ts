import type { Command } from 'commander';
import { AGENT_TYPES, type AgentTypeName, CONTROLLER_NAME, CONTROLLER_NAMESPACE, HEALTH_PORT, METRICS_PORT } from '../../lib/api/constants.js';
import { goDurationSeconds } from '../../lib/api/duration.js';
import type { Controller } from '../../lib/controller/controller-manager.js';
import { parseListenAddress } from '../../lib/http/endpoints.js';
import { UserError } from '../errors.js';

interface ControllerFlags {
  kubeconfig?: string;
  namespace?: string;
  namespaces?: string;
  jobStartTimeout: string;
  metricsAddr: string;
  healthAddr: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  spawnerImage?: string;
  gitImage?: string;
  skillsImage?: string;
  githubApiBaseUrl?: string;
  workers: string;
  relistInterval: string;
  leaderElectionLeaseDuration: string;
  leaderElectionRenewDeadline: string;
  leaderElectionRetryPeriod: string;
  [image: string]: unknown;
}

const camel = (type: string) => type.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

export function register(program: Command): void {
  const cmd = program
    .command('controller')
    .description('Run the controller: Tasks become Jobs; TaskSpawners applied as YAML get their workloads')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--namespace <name>', 'watch only this namespace (default: all namespaces)')
    .option('--namespaces <list>', 'watch only these comma-separated namespaces: a namespaced install (default: all namespaces)')
    .option('--job-start-timeout <duration>', "fail a Task whose Job's Pod cannot be created, pulled or scheduled for this long", '10m')
    .option('--metrics-addr <addr>', 'address of /metrics, "0" to turn off', `:${METRICS_PORT}`)
    .option('--health-addr <addr>', 'address of /healthz and /readyz, "0" to turn off', `:${HEALTH_PORT}`)
    .option('--leader-elect', 'elect one leader among replicas on a Lease', false)
    .option('--leader-election-namespace <name>', 'namespace of the leader election Lease', CONTROLLER_NAMESPACE)
    .option('--leader-election-id <name>', 'name of the leader election Lease', CONTROLLER_NAME)
    .option('--leader-election-lease-duration <seconds>', 'how long a lease lasts without renewal', '15')
    .option('--leader-election-renew-deadline <seconds>', 'a leader that cannot renew for this long steps down', '10')
    .option('--leader-election-retry-period <seconds>', 'how often to try to acquire or renew the lease', '2')
    .option('--spawner-image <image>', 'image of spawner workloads for TaskSpawners applied as YAML')
    .option('--git-image <image>', 'image of the git init containers')
    .option('--skills-image <image>', 'image of the skills-install init container (node and git)')
    .option('--github-api-base-url <url>', 'GitHub REST API for App installation tokens (default: from the Workspace repo)')
    .option('--workers <n>', 'concurrent reconciles', '32')
    .option('--relist-interval <duration>', 'list every watched resource again this often, to catch events a watch missed ("0" turns it off)', '10m');
  for (const type of AGENT_TYPES) cmd.option(`--${type}-image <image>`, `default image of ${type} agents`);

  cmd.action(async (flags: ControllerFlags) => {
    const workers = Number(flags.workers);
    if (!Number.isInteger(workers) || workers < 1) throw new UserError(`'--workers' must be a positive integer, got ${flags.workers}`);
    for (const [flag, value] of [
      ['metrics-addr', flags.metricsAddr],
      ['health-addr', flags.healthAddr],
    ] as const) {
      try {
        parseListenAddress(value, '');
      } catch (err) {
        throw new UserError(`'--${flag}': ${(err as Error).message}`);
      }
    }
    const startSeconds = goDurationSeconds(flags.jobStartTimeout);
    if (!startSeconds) throw new UserError(`'--job-start-timeout' must be a positive duration such as 10m or 90s, got ${flags.jobStartTimeout}`);
    const namespaces = (flags.namespaces ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    const badNs = namespaces.find((n) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n) || n.length > 63);
    if (badNs !== undefined) throw new UserError(`'--namespaces' must list namespace names (lowercase letters, digits and '-'), got "${badNs}"`);
    const relistSeconds = goDurationSeconds(flags.relistInterval);
    if (relistSeconds === undefined) throw new UserError(`'--relist-interval' must be a duration such as 10m or 90s, got ${flags.relistInterval}`);
    const seconds = (flag: string, value: string) => {
      const v = Number(value);
      if (!Number.isFinite(v) || v <= 0) throw new UserError(`'--${flag}' must be a positive number of seconds, got ${value}`);
      return v * 1000;
    };
    const leaseDurationMs = seconds('leader-election-lease-duration', flags.leaderElectionLeaseDuration);
    const renewDeadlineMs = seconds('leader-election-renew-deadline', flags.leaderElectionRenewDeadline);
    const retryPeriodMs = seconds('leader-election-retry-period', flags.leaderElectionRetryPeriod);
    if (!(retryPeriodMs < renewDeadlineMs && renewDeadlineMs < leaseDurationMs)) {
      throw new UserError('leader election needs retry period < renew deadline < lease duration');
    }
    const agentImages: Partial<Record<AgentTypeName, string>> = {};
    for (const type of AGENT_TYPES) {
      const image = flags[`${camel(type)}Image`];
      if (typeof image === 'string' && image) agentImages[type] = image;
    }
    // Loaded here, not at the top: every `kelos` invocation (capture in each agent pod) registers this command.
    const { Controller: ControllerImpl } = await import('../../lib/controller/controller-manager.js');
    let controller: Controller;
    try {
      controller = await ControllerImpl.start({
        ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
        ...(flags.namespace ? { namespace: flags.namespace } : {}),
        ...(namespaces.length ? { namespaces } : {}),
        jobStartTimeoutMs: startSeconds * 1000,
        metricsAddr: flags.metricsAddr,
        healthAddr: flags.healthAddr,
        leaderElect: flags.leaderElect,
        leaderElectionNamespace: flags.leaderElectionNamespace,
        leaderElectionId: flags.leaderElectionId,
        leaseDurationMs,
        renewDeadlineMs,
        retryPeriodMs,
        agentImages,
        ...(flags.spawnerImage ? { spawnerImage: flags.spawnerImage } : {}),
        ...(flags.gitImage ? { gitImage: flags.gitImage } : {}),
        ...(flags.skillsImage ? { skillsImage: flags.skillsImage } : {}),
        ...(flags.githubApiBaseUrl ? { githubApiBaseUrl: flags.githubApiBaseUrl } : {}),
        workers,
        relistIntervalMs: relistSeconds * 1000,
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'ENOENT') throw new UserError((err as Error).message);
      throw err;
    }
    const stop = () => void controller.stop();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const reason = await controller.done;
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    if (reason === 'lost-leadership') process.exitCode = 1;
  });
}
