/**
 * A private Redis Cluster: `masters * (1 + replicasPerMaster)` servers on free loopback ports,
 * joined with `redis-cli --cluster create`. Checks go through redis-cli, never through the
 * project's cluster client, so a client bug cannot make the cluster look healthy.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { keySlot, SLOT_COUNT } from '../resp/cluster/key-slot.js';
import { type ClusterNodeInfo, layoutKey, parseClusterNodes } from './cluster-nodes.js';
import { RedisHarnessError } from './errors.js';
import { cli, parseInfo, redisCli } from './redis-cli.js';
import { isRedisReachable } from './redis-reachable.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

export interface ClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** `cluster-node-timeout`; short so failovers happen within a test. Default 1500. */
  nodeTimeoutMs?: number;
  args?: string[];
  config?: string;
}

export interface RedisCluster {
  nodes: RedisServer[];
  /** `127.0.0.1:PORT` of every node, in start order. */
  addresses: string[];
  /** The layout as one live node sees it (`CLUSTER NODES`). */
  topology(): Promise<ClusterNodeInfo[]>;
  /** Masters serving slots. */
  masters(): Promise<ClusterNodeInfo[]>;
  replicas(): Promise<ClusterNodeInfo[]>;
  /** The master serving a slot, or the slot of a key. */
  ownerOf(slotOrKey: number | string): Promise<ClusterNodeInfo>;
  /** Kills the master serving `slotOrKey` (default slot 0) with `signal` (default SIGKILL). */
  killMaster(slotOrKey?: number | string, signal?: NodeJS.Signals): Promise<ClusterNodeInfo>;
  /**
   * Waits until every reachable node says `cluster_state:ok`, all agree on the layout, and every
   * slot is served by a reachable master (i.e. a failover has finished). With `replicas`, every
   * master must also have its replicas attached and in sync.
   */
  waitHealthy(opts?: { replicas?: boolean; timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the nodes, creates the cluster and waits until it is healthy with all replicas in sync. */
export async function startCluster(opts: ClusterOptions = {}): Promise<RedisCluster> {
  const { masters = 3, replicasPerMaster = 1, nodeTimeoutMs = 1_500, args, config } = opts;
  const count = masters * (1 + replicasPerMaster);
  const started = await Promise.allSettled(
    Array.from({ length: count }, () =>
      startRedisServer({ cluster: true, clusterNodeTimeoutMs: nodeTimeoutMs, args, config }),
    ),
  );
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  const failure = started.find((r) => r.status === 'rejected');
  if (failure !== undefined) {
    await stop();
    throw failure.reason;
  }
  const byPort = new Map(nodes.map((n) => [n.port, n]));
  const addresses = nodes.map((n) => `${n.host}:${n.port}`);

  const reachable = async () => {
    const up = await Promise.all(nodes.map((n) => isRedisReachable(n.host, n.port, 300)));
    return nodes.filter((_, i) => up[i]);
  };

  const topology = async () => {
    for (const node of await reachable()) {
      const r = await redisCli(node, ['cluster', 'nodes']);
      if (r.code === 0) return parseClusterNodes(r.stdout, byPort);
    }
    throw new RedisHarnessError('no cluster node is reachable');
  };

  const masterNodes = async () => (await topology()).filter((n) => n.role === 'master' && n.slots.length > 0);

  const ownerOf = async (slotOrKey: number | string) => {
    const slot = typeof slotOrKey === 'number' ? slotOrKey : keySlot(slotOrKey);
    const owner = (await masterNodes()).find((n) => n.slots.some(([a, b]) => a <= slot && slot <= b));
    if (owner === undefined) throw new RedisHarnessError(`no master serves slot ${slot}`);
    return owner;
  };

  /** Why the cluster is not healthy yet, or null when it is. */
  const unhealthy = async (replicas: boolean): Promise<string | null> => {
    const live = await reachable();
    const liveIds = new Set<string>();
    let layout: string | undefined;
    let view: ClusterNodeInfo[] = [];
    for (const node of live) {
      const info = parseInfo(await cli(node, 'cluster', 'info'));
      if (info.cluster_state !== 'ok') return `${node.port}: cluster_state:${info.cluster_state}`;
      view = parseClusterNodes(await cli(node, 'cluster', 'nodes'), byPort);
      const key = layoutKey(view);
      if (layout !== undefined && key !== layout) return `${node.port}: sees a different layout`;
      layout = key;
    }
    for (const n of view) if (live.includes(n.server)) liveIds.add(n.id);
    let covered = 0;
    for (const m of view) {
      if (m.role !== 'master' || m.slots.length === 0) continue;
      if (!liveIds.has(m.id)) return `master ${m.port} serves slots but is unreachable`;
      for (const [a, b] of m.slots) covered += b - a + 1;
      if (!replicas) continue;
      const attached = view.filter((r) => r.masterId === m.id && liveIds.has(r.id) && !r.failed);
      if (attached.length < replicasPerMaster) return `master ${m.port} has ${attached.length} replicas`;
      for (const r of attached) {
        const link = parseInfo(await cli(r.server, 'info', 'replication')).master_link_status;
        if (link !== 'up') return `replica ${r.port}: master_link_status:${link}`;
      }
    }
    return covered === SLOT_COUNT ? null : `${covered} of ${SLOT_COUNT} slots served`;
  };

  const waitHealthy = async ({ replicas = false, timeoutMs = 30_000 } = {}) => {
    const deadline = Date.now() + timeoutMs;
    let reason: string | null = 'not checked';
    while (Date.now() < deadline) {
      reason = await unhealthy(replicas).catch((err: Error) => err.message);
      if (reason === null) return;
      await delay(100);
    }
    throw new RedisHarnessError(`cluster not healthy after ${timeoutMs} ms: ${reason}`);
  };

  const cluster: RedisCluster = {
    nodes,
    addresses,
    topology,
    masters: masterNodes,
    replicas: async () => (await topology()).filter((n) => n.role === 'replica'),
    ownerOf,
    async killMaster(slotOrKey = 0, signal = 'SIGKILL') {
      const owner = await ownerOf(slotOrKey);
      owner.server.kill(signal);
      return owner;
    },
    waitHealthy,
    stop,
  };

  try {
    const create = await redisCli(
      nodes[0],
      ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'],
      30_000,
    );
    if (create.code !== 0) {
      throw new RedisHarnessError(`redis-cli --cluster create failed:\n${create.stdout}${create.stderr}`);
    }
    await waitHealthy({ replicas: true });
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}
