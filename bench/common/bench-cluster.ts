/**
 * The private Redis Cluster of the cluster benchmarks: three masters, no replicas, started by the
 * project's own launcher (src/dev/redis-server.ts) on free loopback ports and joined with
 * `redis-cli --cluster create`. Admin calls go through `redis-cli`, never through a measured client.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type RedisServer, startRedisServer } from '../../src/dev/redis-server.js';

const execFileAsync = promisify(execFile);

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

async function cli(node: RedisServer, args: string[], timeoutMs = 30_000): Promise<string> {
  const { stdout } = await execFileAsync('redis-cli', ['-h', node.host, '-p', String(node.port), ...args], {
    timeout: timeoutMs,
    maxBuffer: 1 << 20,
  });
  return stdout.trim();
}

export async function startBenchCluster(masters = 3): Promise<BenchRedisCluster> {
  const started = await Promise.allSettled(
    Array.from({ length: masters }, () => startRedisServer({ cluster: true, clusterNodeTimeoutMs: 5_000 })),
  );
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  const addresses = nodes.map((n) => `${n.host}:${n.port}`);
  try {
    const failed = started.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    await cli(nodes[0], ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    // Ready when every node says ok and knows every node: then any of them routes the whole slot space.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const infos = await Promise.all(nodes.map((n) => cli(n, ['CLUSTER', 'INFO'])));
      const ok = infos.every(
        (i) =>
          /cluster_state:ok/.test(i) &&
          /cluster_slots_ok:16384/.test(i) &&
          new RegExp(`cluster_known_nodes:${masters}\\b`).test(i),
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`cluster not ready after 30 s:\n${infos.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const cliAll = (...args: string[]) => Promise.all(nodes.map((n) => cli(n, args)));
  return {
    addresses,
    cliAll,
    async dbsize() {
      return (await cliAll('DBSIZE')).reduce((sum, s) => sum + Number(s), 0);
    },
    async cpuSeconds() {
      let total = 0;
      for (const info of await cliAll('INFO', 'cpu')) {
        const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
        total += field('used_cpu_user') + field('used_cpu_sys');
      }
      return total;
    },
    stop,
  };
}
