/**
 * The private Redis Cluster of the cluster benchmarks: three masters, no replicas, started by the
 * project's harness (src/dev/redis-cluster.ts) on free loopback ports. Admin calls go through
 * `redis-cli`, never through a measured client.
 */
import { startCluster } from '../../src/dev/redis-cluster.js';
import { benchCli, cpuSecondsOf } from './bench-redis.js';

export interface BenchRedisCluster {
  /** `127.0.0.1:PORT` of every master. */
  readonly addresses: string[];
  /** Runs one command on every master through redis-cli; outputs in node order. */
  cliAll(...args: string[]): Promise<string[]>;
  /** Keys on all masters together. */
  dbsize(): Promise<number>;
  /** redis-server CPU seconds (used_cpu_user + used_cpu_sys) summed over the masters. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

export async function startBenchCluster(masters = 3): Promise<BenchRedisCluster> {
  // Ready once every node agrees on the layout and all slots are served: then any of them routes
  // the whole slot space. A long node timeout keeps a busy machine from looking like a dead master.
  const cluster = await startCluster({ masters, replicasPerMaster: 0, nodeTimeoutMs: 5_000 });
  const cliAll = (...args: string[]) => Promise.all(cluster.nodes.map((n) => benchCli(n, args)));
  return {
    addresses: cluster.addresses,
    cliAll,
    async dbsize() {
      return (await cliAll('DBSIZE')).reduce((sum, s) => sum + Number(s), 0);
    },
    async cpuSeconds() {
      return (await cliAll('INFO', 'cpu')).reduce((sum, info) => sum + cpuSecondsOf(info), 0);
    },
    stop: () => cluster.stop(),
  };
}
