// Values the cluster global setup hands to test files through vitest's
// provide()/inject(). Importing this module declares their types.

export interface ProvidedCluster {
  kubeconfig: string;
  /** where writePodLog() puts files kwok serves as pod logs; null for a cluster we did not start */
  podLogsDir: string | null;
  /** the version kube-apiserver must report; null for a cluster we did not start */
  kubeVersion: string | null;
  /** true when KELOS_TEST_KUBECONFIG pointed the suite at an existing cluster */
  external: boolean;
  runDir: string | null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    kelosCluster: ProvidedCluster;
  }
}
