import type { V1Container, V1EnvVar, V1VolumeMount } from '@kubernetes/client-node';
import { hardened } from './_security.js';

/** An init container running `sh -c <script>`, hardened. */
export function initContainer(name: string, image: string, script: string, env: V1EnvVar[], mounts: V1VolumeMount[]): V1Container {
  return {
    name,
    image,
    command: ['sh', '-c', script],
    env,
    volumeMounts: mounts,
    securityContext: hardened(),
  };
}
