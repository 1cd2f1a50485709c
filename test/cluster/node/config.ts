// Configuration files of the real node: containerd, the CNI network and the
// kubelet. Pure functions of the node's layout, so they can be read and tested
// without a node.

/** Where one real node keeps its files, sockets and network. */
export interface NodeLayout {
  /** node name, e.g. real-node-0 */
  name: string;
  /** containerd's root: images and snapshots, kept between runs */
  containerdRoot: string;
  /** containerd's state: sockets and shim bundles, removed with the node */
  containerdState: string;
  containerdSocket: string;
  /** kubelet --root-dir: pod volumes, removed with the node */
  kubeletRoot: string;
  /** this run's configuration files (CNI config, kubelet config, resolv.conf) */
  configDir: string;
  cniConfDir: string;
  cniBinDir: string;
  /** host-local IPAM allocations */
  ipamDir: string;
  bridge: string;
  /** the pod subnet, e.g. 10.249.0.0/24 */
  subnet: string;
  /** the bridge's address: the node IP, and where pods reach the host */
  gateway: string;
  /** the cgroup (under each controller) that holds every pod of this node */
  cgroupRoot: string;
  runc: string;
}

export interface KubeletPorts {
  port: number;
  healthzPort: number;
}

/** A TOML string: JSON escaping is valid TOML basic-string escaping for these paths. */
const toml = (s: string): string => JSON.stringify(s);

/**
 * containerd 1.6+ (config version 2) serving only CRI on a socket of its own.
 * restrict_oom_score_adj: without it runc fails to lower oom_score_adj in an
 * unprivileged VM ("can't get final child's PID from pipe").
 */
export function containerdConfig(l: NodeLayout, sandboxImage: string): string {
  return `version = 2
root = ${toml(l.containerdRoot)}
state = ${toml(l.containerdState)}
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = ${toml(l.containerdSocket)}

[ttrpc]
  address = ${toml(`${l.containerdSocket}.ttrpc`)}

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = ${toml(`${l.containerdState}/opt`)}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${toml(sandboxImage)}
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  max_container_log_line_size = 16384
  # pod network namespaces under the state dir, so the node's teardown finds every one
  netns_mounts_under_state_dir = true

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    discard_unpacked_layers = false

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = ${toml(l.runc)}
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = ${toml(l.cniBinDir)}
    conf_dir = ${toml(l.cniConfDir)}
    max_conf_num = 1
`;
}

/**
 * The pod network: a bridge of the harness's own with host-local addresses.
 * Pods get routes to their subnet and to the Service range only (no default
 * route), so they reach each other, the host at the gateway address and the
 * apiserver's Service IP, and nothing else. The bridge is made by the
 * harness (isGateway false), so the plugin never turns on IP forwarding.
 */
export function cniConfig(l: NodeLayout, serviceCidr: string): string {
  return (
    JSON.stringify(
      {
        cniVersion: '1.0.0',
        name: 'kelos-test',
        plugins: [
          {
            type: 'bridge',
            bridge: l.bridge,
            isGateway: false,
            ipMasq: false,
            hairpinMode: true,
            ipam: {
              type: 'host-local',
              dataDir: l.ipamDir,
              ranges: [[{ subnet: l.subnet, gateway: l.gateway }]],
              routes: [{ dst: serviceCidr }],
            },
          },
        ],
      },
      null,
      2,
    ) + '\n'
  );
}

export interface KubeletConfigInputs {
  layout: NodeLayout;
  ports: KubeletPorts;
  caFile: string;
  tlsCert: string;
  tlsKey: string;
  resolvConf: string;
  taint: { key: string; value: string; effect: 'NoSchedule' };
}

/**
 * KubeletConfiguration for a test node on a shared VM: cgroup v1 accepted,
 * swap tolerated, image garbage collection off (the images are imported, not
 * pulled back), eviction only in real distress, and a cgroup root of its own
 * so two nodes on one machine never clean up each other's pods. Only clients
 * with a certificate of the cluster CA (the apiserver) may use its API.
 */
export function kubeletConfig(i: KubeletConfigInputs): string {
  const l = i.layout;
  return (
    JSON.stringify(
      {
        apiVersion: 'kubelet.config.k8s.io/v1beta1',
        kind: 'KubeletConfiguration',
        address: l.gateway,
        port: i.ports.port,
        readOnlyPort: 0,
        healthzBindAddress: '127.0.0.1',
        healthzPort: i.ports.healthzPort,
        tlsCertFile: i.tlsCert,
        tlsPrivateKeyFile: i.tlsKey,
        authentication: { anonymous: { enabled: false }, webhook: { enabled: false }, x509: { clientCAFile: i.caFile } },
        authorization: { mode: 'AlwaysAllow' },
        containerRuntimeEndpoint: `unix://${l.containerdSocket}`,
        imageServiceEndpoint: `unix://${l.containerdSocket}`,
        cgroupDriver: 'cgroupfs',
        cgroupRoot: l.cgroupRoot,
        cgroupsPerQOS: true,
        enforceNodeAllocatable: ['pods'],
        failCgroupV1: false,
        failSwapOn: false,
        resolvConf: i.resolvConf,
        clusterDNS: [],
        podLogsDir: `${l.kubeletRoot}/pod-logs`,
        volumePluginDir: `${l.kubeletRoot}/volume-plugins`,
        imageGCHighThresholdPercent: 100,
        imageGCLowThresholdPercent: 99,
        evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
        serializeImagePulls: false,
        maxPods: 110,
        registerNode: true,
        registerWithTaints: [i.taint],
        rotateCertificates: false,
        serverTLSBootstrap: false,
        shutdownGracePeriod: '0s',
        shutdownGracePeriodCriticalPods: '0s',
        nodeStatusReportFrequency: '10s',
        containerLogMaxSize: '10Mi',
        containerLogMaxFiles: 2,
      },
      null,
      2,
    ) + '\n'
  );
}
