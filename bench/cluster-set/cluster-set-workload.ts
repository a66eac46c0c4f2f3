/**
 * What travels between the cluster-SET suite (cluster-set.ts) and its child processes
 * (cluster-set-worker.ts). Keys, value and the worker's message are the pipelined-SET workload's
 * (set-workload.ts).
 */
import { type LoadArgs, loadArgv } from '../common/worker-args.js';

/** The clients measured; ioredis in its two idiomatic ways to batch against a cluster. */
export const CLUSTER_CLIENT_IDS = [
  'laminar-redis',
  'ioredis-cluster-pipeline',
  'ioredis-cluster-auto',
] as const;
export type ClusterClientId = (typeof CLUSTER_CLIENT_IDS)[number];

export interface ClusterWorkerArgs extends LoadArgs {
  client: ClusterClientId;
  /** `host:port` of one master. */
  seed: string;
}

export function clusterWorkerArgv(a: ClusterWorkerArgs): string[] {
  return ['--client', a.client, '--seed', a.seed, ...loadArgv(a)];
}
