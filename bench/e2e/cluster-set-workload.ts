/**
 * What travels between the cluster-SET suite (cluster-set.ts) and its child processes
 * (cluster-set-worker.ts). Keys and value are the pipelined-SET workload's (set-workload.ts).
 */

/** The clients measured; ioredis in its two idiomatic ways to batch against a cluster. */
export const CLUSTER_CLIENT_IDS = [
  'laminar-redis',
  'ioredis-cluster-pipeline',
  'ioredis-cluster-auto',
] as const;
export type ClusterClientId = (typeof CLUSTER_CLIENT_IDS)[number];

export interface ClusterWorkerArgs {
  client: ClusterClientId;
  /** `host:port` of one master. */
  seed: string;
  count: number;
  batch: number;
  inflight: number;
  deadlineMs: number;
}

export function clusterWorkerArgv(a: ClusterWorkerArgs): string[] {
  return [
    '--client',
    a.client,
    '--seed',
    a.seed,
    '--count',
    String(a.count),
    '--batch',
    String(a.batch),
    '--inflight',
    String(a.inflight),
    '--deadline-ms',
    String(a.deadlineMs),
  ];
}
