import { defineConfig } from 'vitest/config';

// Two projects: pure/unit tests run anywhere in seconds; `*.cluster.test.ts`
// files run against the real control plane started once by the global setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // Unit files run first, then the cluster files (projects with different worker counts need their own group).
          sequence: { groupOrder: 0 },
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.cluster.test.ts', 'node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'cluster',
          sequence: { groupOrder: 1 },
          include: ['test/**/*.cluster.test.ts'],
          globalSetup: ['test/cluster/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // Cluster tests share one control plane; each file uses its own namespace.
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
