// Installs the kelos.dev CRDs of lib/api into the test cluster (server-side
// apply, so files racing to install them agree) and waits until they are served.
import { customResourceDefinitions } from '../../lib/api/crd.js';
import { KubeClient } from '../../lib/kube/kube-client.js';
import { Resources, resourcePath } from '../../lib/kube/resource-path.js';
import { kubeConfig, waitFor } from './harness.js';

let installed: Promise<void> | undefined;

/** Applies every kelos.dev CRD once per test file and waits for Established. */
export function installKelosCrds(): Promise<void> {
  installed ??= (async () => {
    // A field manager of its own: applying the CRDs here never takes fields
    // (such as dist/'s ArgoCD annotations) from what other tests applied.
    const client = await KubeClient.create(kubeConfig(), 'kelos-test-crds');
    try {
      for (const crd of customResourceDefinitions()) await client.apply(crd);
      for (const crd of customResourceDefinitions()) {
        await waitFor(`CRD ${crd.metadata.name} established`, async () => {
          const got = await client.get<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(
            resourcePath(Resources.customResourceDefinitions, { name: crd.metadata.name }),
          );
          return got?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
        });
      }
    } finally {
      client.close();
    }
  })();
  return installed;
}
