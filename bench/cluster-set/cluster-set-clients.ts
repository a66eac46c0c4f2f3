/**
 * The clients the cluster-SET benchmark drives, behind set-clients.ts's `SetClient` shape so the
 * load loop is the pipelined-SET one. Libraries are imported lazily, so a child process loads only
 * the client it measures.
 */

import { PROTOCOL } from '../common/peer-connections.js';
import {
  ioredisFailure,
  ioredisOk,
  type SetClient,
  setCommands,
  tally,
} from '../pipelined-set/set-clients.js';
import { KEY_PREFIX, VALUE } from '../pipelined-set/set-workload.js';
import type { ClusterClientId } from './cluster-set-workload.js';

/** Connects the client `id` to the cluster through one master, `seed` (`host:port`). */
export function openClusterClient(id: ClusterClientId, seed: string): Promise<SetClient> {
  return id === 'laminar-redis'
    ? openLaminar(seed)
    : openIoredis(seed, id === 'ioredis-cluster-pipeline' ? 'pipeline' : 'auto');
}

async function openLaminar(seed: string): Promise<SetClient> {
  const { createCluster } = await import('../../src/index.js');
  const cluster = await createCluster({ addresses: [seed], protocol: PROTOCOL });
  return {
    async setBatch(start, end) {
      return tally(await cluster.pipeline(setCommands(start, end)), (r) => r === 'OK');
    },
    close: () => cluster.close(),
  };
}

/**
 * ioredis Cluster pipelines must stay within one node, so `pipeline` mode splits each batch by the
 * node serving each key's slot (ioredis's own `cluster.slots` table) and runs one pipeline per node;
 * `auto` mode issues single SETs and lets ioredis's auto-pipelining group them per node.
 */
async function openIoredis(seed: string, mode: 'pipeline' | 'auto'): Promise<SetClient> {
  const { Cluster } = await import('ioredis');
  const { default: calculateSlot } = await import('cluster-key-slot');
  const [host, port] = seed.split(':');
  const cluster = new Cluster([{ host, port: Number(port) }], {
    redisOptions: { protocol: PROTOCOL, maxRetriesPerRequest: 0 },
    enableAutoPipelining: mode === 'auto',
    lazyConnect: true,
  });
  cluster.on('error', () => {}); // failures surface through connect() and the rejected commands
  await cluster.connect();
  const setBatch =
    mode === 'pipeline'
      ? async (start: number, end: number) => {
          const byNode = new Map<string, ReturnType<typeof cluster.pipeline>>();
          for (let i = start; i < end; i++) {
            const key = KEY_PREFIX + i;
            const node = cluster.slots[calculateSlot(key)][0];
            let p = byNode.get(node);
            if (p === undefined) byNode.set(node, (p = cluster.pipeline()));
            p.set(key, VALUE);
          }
          const results = await Promise.all([...byNode.values()].map((p) => p.exec()));
          return tally(
            results.flatMap((r) => r ?? []),
            ioredisOk,
            ioredisFailure,
          );
        }
      : async (start: number, end: number) => {
          const pending = new Array<Promise<unknown>>(end - start);
          for (let i = start; i < end; i++) {
            pending[i - start] = cluster.set(KEY_PREFIX + i, VALUE).catch((err: Error) => err);
          }
          return tally(await Promise.all(pending), (r) => r === 'OK');
        };
  return {
    setBatch,
    async close() {
      await cluster.quit();
    },
  };
}
