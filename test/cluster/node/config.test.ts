import { describe, expect, it } from 'vitest';
import { cniConfig, containerdConfig, kubeletConfig, type NodeLayout } from './config.js';
import { normalizeRef } from './image-manifest.js';

const layout: NodeLayout = {
  name: 'real-node-0',
  containerdRoot: '/cache/node-0/containerd',
  containerdState: '/run/kelos-test-node-0/containerd',
  containerdSocket: '/run/kelos-test-node-0/containerd.sock',
  kubeletRoot: '/var/lib/kelos-test-node-0/kubelet',
  configDir: '/runs/run-1/node',
  cniConfDir: '/runs/run-1/node/cni',
  cniBinDir: '/usr/lib/cni',
  ipamDir: '/run/kelos-test-node-0/ipam',
  bridge: 'kelos-test0',
  subnet: '10.249.0.0/24',
  gateway: '10.249.0.1',
  cgroupRoot: '/kelos-test-node-0',
  runc: '/usr/sbin/runc',
};

describe('the real node configuration', () => {
  it('lets runc start containers in an unprivileged VM and uses the local pause image', () => {
    const toml = containerdConfig(layout, 'localhost/kelos-test/pause:3.10');
    expect(toml).toContain('restrict_oom_score_adj = true');
    expect(toml).toContain('sandbox_image = "localhost/kelos-test/pause:3.10"');
    expect(toml).toContain('BinaryName = "/usr/sbin/runc"');
    expect(toml).toContain('SystemdCgroup = false');
    expect(toml).toContain('netns_mounts_under_state_dir = true');
    expect(toml).toContain('address = "/run/kelos-test-node-0/containerd.sock"');
  });

  it('gives pods routes to their subnet and the Service range only, on a bridge the harness made', () => {
    const cni = JSON.parse(cniConfig(layout, '10.96.0.0/16'));
    const bridge = cni.plugins[0];
    expect(bridge).toMatchObject({ type: 'bridge', bridge: 'kelos-test0', isGateway: false, ipMasq: false });
    expect(bridge.ipam.ranges).toEqual([[{ subnet: '10.249.0.0/24', gateway: '10.249.0.1' }]]);
    expect(bridge.ipam.routes).toEqual([{ dst: '10.96.0.0/16' }]);
  });

  it('runs the kubelet on cgroup v1 with swap, no image garbage collection and a cgroup root of its own', () => {
    const cfg = JSON.parse(
      kubeletConfig({
        layout,
        ports: { port: 10250, healthzPort: 10248 },
        caFile: '/pki/ca.crt',
        tlsCert: '/pki/kubelet-serving.crt',
        tlsKey: '/pki/kubelet-serving.key',
        resolvConf: '/runs/run-1/node/resolv.conf',
        taint: { key: 'kelos.dev/real-node', value: 'true', effect: 'NoSchedule' },
      }),
    );
    expect(cfg).toMatchObject({
      failCgroupV1: false,
      failSwapOn: false,
      cgroupDriver: 'cgroupfs',
      cgroupRoot: '/kelos-test-node-0',
      address: '10.249.0.1',
      imageGCHighThresholdPercent: 100,
      clusterDNS: [],
      authentication: { anonymous: { enabled: false }, x509: { clientCAFile: '/pki/ca.crt' } },
      registerWithTaints: [{ key: 'kelos.dev/real-node', value: 'true', effect: 'NoSchedule' }],
    });
  });
});

describe('normalizeRef', () => {
  it.each([
    ['node:20-slim', 'docker.io/library/node:20-slim'],
    ['alpine/git:v2.47.2', 'docker.io/alpine/git:v2.47.2'],
    ['ghcr.io/kelos-ts/kelos:v0.1.0', 'ghcr.io/kelos-ts/kelos:v0.1.0'],
    ['localhost/kelos-test/pause:3.10', 'localhost/kelos-test/pause:3.10'],
    ['busybox', 'docker.io/library/busybox:latest'],
    ['registry:5000/team/app', 'registry:5000/team/app:latest'],
  ])('names %s as containerd does: %s', (ref, want) => {
    expect(normalizeRef(ref)).toBe(want);
  });
});
