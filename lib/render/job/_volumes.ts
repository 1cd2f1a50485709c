import type { V1KeyToPath, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { PodOverrides } from '../../api/shared.js';
import type { Checkout } from './_checkout.js';
import type { PluginFile } from './agent-config.js';
import { AgentPod } from './agent-pod.js';
import { TaskSpecError } from './task-spec-error.js';

export const workspaceMount = (): V1VolumeMount => ({ name: AgentPod.WORKSPACE_VOLUME, mountPath: AgentPod.WORKSPACE_DIR });
export const tokenMount = (): V1VolumeMount => ({ name: AgentPod.GITHUB_TOKEN_VOLUME, mountPath: AgentPod.GITHUB_TOKEN_DIR, readOnly: true });
export const pluginMount = (): V1VolumeMount => ({ name: AgentPod.PLUGIN_VOLUME, mountPath: AgentPod.PLUGIN_DIR });
export const pluginSourceMount = (): V1VolumeMount => ({ name: AgentPod.PLUGIN_SOURCE_VOLUME, mountPath: AgentPod.PLUGIN_SOURCE_DIR, readOnly: true });

/** What the pod mounts besides the workspace. */
export interface PodMounts {
  readonly checkout?: Checkout;
  /** The plugin directory exists (plugins or skills). */
  readonly pluginDir: boolean;
  /** Plugin files, copied from the `<task>-plugins` ConfigMap `pluginsConfigMap`. */
  readonly pluginFiles: readonly PluginFile[];
  readonly pluginsConfigMap: string;
}

/** The workspace, the GitHub token Secret, the plugin directory and its source, then the user's volumes (never a kelos name). */
export function podVolumes(m: PodMounts, po: PodOverrides): V1Volume[] {
  const volumes: V1Volume[] = [{ name: AgentPod.WORKSPACE_VOLUME, emptyDir: {} }];
  const tokenSecret = m.checkout?.tokenSecret;
  if (tokenSecret) {
    volumes.push({
      name: AgentPod.GITHUB_TOKEN_VOLUME,
      secret: { secretName: tokenSecret, items: [{ key: 'GITHUB_TOKEN', path: 'GITHUB_TOKEN' }], defaultMode: 0o440 },
    });
  }
  if (m.pluginDir) volumes.push({ name: AgentPod.PLUGIN_VOLUME, emptyDir: {} });
  if (m.pluginFiles.length) {
    const items: V1KeyToPath[] = m.pluginFiles.map((f) => ({ key: f.key, path: f.path }));
    volumes.push({ name: AgentPod.PLUGIN_SOURCE_VOLUME, configMap: { name: m.pluginsConfigMap, items } });
  }
  for (const v of po.volumes ?? []) {
    if (v.name === AgentPod.WORKSPACE_VOLUME || v.name.startsWith('kelos-')) {
      throw new TaskSpecError(`podOverrides.volumes: "${v.name}" is a reserved volume name`);
    }
    volumes.push(structuredClone(v));
  }
  return volumes;
}

/** The agent container's mounts: the workspace, the token, the plugin directory, then the user's. */
export function agentMounts(m: PodMounts, po: PodOverrides): V1VolumeMount[] {
  const mounts: V1VolumeMount[] = [workspaceMount()];
  if (m.checkout?.tokenSecret) mounts.push(tokenMount());
  if (m.pluginDir) mounts.push(pluginMount());
  mounts.push(...(po.volumeMounts ?? []).map((mount) => structuredClone(mount)));
  return mounts;
}
