import type { RedisServer } from './redis-server.js';

/** One line of `CLUSTER NODES`, joined to our process for that node. */
export interface ClusterNodeInfo {
  id: string;
  host: string;
  port: number;
  /** `host:port`, as clients see it. */
  address: string;
  role: 'master' | 'replica';
  /** The master a replica follows; null for masters. */
  masterId: string | null;
  /** Flagged `fail` (agreed) or `fail?` (suspected by the node asked). */
  failed: boolean;
  connected: boolean;
  /** Inclusive slot ranges served (masters). */
  slots: [number, number][];
  /** Our process for this node. */
  server: RedisServer;
}

/** `CLUSTER NODES` text to node records; `servers` maps port to our process, other nodes are left out. */
export function parseClusterNodes(text: string, servers: Map<number, RedisServer>): ClusterNodeInfo[] {
  const nodes: ClusterNodeInfo[] = [];
  for (const line of text.split('\n')) {
    // <id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <epoch> <link> <slot>...
    const f = line.trim().split(' ');
    if (f.length < 8) continue;
    const endpoint = f[1].split('@')[0];
    const colon = endpoint.lastIndexOf(':');
    const host = endpoint.slice(0, colon);
    const port = Number(endpoint.slice(colon + 1));
    const flags = f[2].split(',');
    const server = servers.get(port);
    if (server === undefined) continue;
    const slots: [number, number][] = [];
    for (const s of f.slice(8)) {
      if (s.startsWith('[')) continue; // slot being imported/migrated
      const [a, b] = s.split('-').map(Number);
      slots.push([a, b ?? a]);
    }
    nodes.push({
      id: f[0],
      host,
      port,
      address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
      role: flags.includes('master') ? 'master' : 'replica',
      masterId: f[3] === '-' ? null : f[3],
      failed: flags.includes('fail') || flags.includes('fail?'),
      connected: f[7] === 'connected',
      slots,
      server,
    });
  }
  return nodes;
}

/** One node's view reduced to what all nodes must agree on (no epochs, pings or link states). */
export function layoutKey(nodes: ClusterNodeInfo[]): string {
  return nodes
    .map((n) => `${n.id} ${n.role} ${n.masterId} ${n.failed} ${n.slots.map((r) => r.join('-')).join(',')}`)
    .sort()
    .join('\n');
}
