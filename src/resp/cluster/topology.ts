import { ClusterError } from '../errors.js';
import type { Reply } from '../reply.js';

/** A node's client-facing address. */
export interface NodeAddress {
  host: string;
  port: number;
}

/**
 * Address translation for clusters behind NAT or in containers: the addresses nodes announce are
 * mapped to the ones this process must dial. Applies to the topology and to MOVED/ASK targets.
 */
export type NatMap = Record<string, NodeAddress> | ((address: NodeAddress) => NodeAddress);

export interface TopologyNode extends NodeAddress {
  id: string;
  role: 'master' | 'replica';
}

/** A contiguous range of slots served by one master. */
export interface SlotRange {
  from: number;
  to: number;
  master: TopologyNode;
  replicas: TopologyNode[];
}

/** `host:port` key of a node; IPv6 in brackets. */
export function nodeKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Applies a NAT map to an announced address. */
export function translate(address: NodeAddress, nat: NatMap | undefined): NodeAddress {
  if (nat === undefined) return address;
  if (typeof nat === 'function') return nat(address);
  return nat[nodeKey(address.host, address.port)] ?? address;
}

/** Field lookup in a RESP3 map or a RESP2 flat key/value array. */
function field(entry: Reply, name: string): Reply | undefined {
  if (entry instanceof Map) return entry.get(name);
  if (Array.isArray(entry)) {
    for (let i = 0; i + 1 < entry.length; i += 2) if (entry[i] === name) return entry[i + 1];
  }
  return undefined;
}

/**
 * The host to dial for an announced endpoint. `null` (the node does not know its endpoint) and ``""``
 * (its IP is not learned yet) mean "the host you asked"; `"?"` (no hostname set while hostnames are
 * preferred) falls back to the node's IP when one was given, else the node is unusable.
 */
function endpointHost(
  endpoint: Reply | undefined,
  ip: Reply | undefined,
  queriedHost: string,
): string | null {
  if (endpoint === null || endpoint === undefined || endpoint === '') return queriedHost;
  if (endpoint === '?') return typeof ip === 'string' && ip !== '' && ip !== '?' ? ip : null;
  return String(endpoint);
}

/** Parses a `CLUSTER SHARDS` reply (Redis 7+). */
export function parseClusterShards(
  reply: Reply,
  queriedHost: string,
  nat: NatMap | undefined,
  tls: boolean,
): SlotRange[] {
  if (!Array.isArray(reply))
    throw new ClusterError('ERR_CLUSTER_TOPOLOGY', 'CLUSTER SHARDS reply is not an array');
  const ranges: SlotRange[] = [];
  for (const shard of reply) {
    const slots = field(shard, 'slots');
    const nodes = field(shard, 'nodes');
    if (!Array.isArray(slots) || !Array.isArray(nodes)) continue;
    let master: TopologyNode | undefined;
    const replicas: TopologyNode[] = [];
    for (const n of nodes) {
      if (field(n, 'health') === 'fail') continue;
      const port = Number(
        tls ? (field(n, 'tls-port') ?? field(n, 'port')) : (field(n, 'port') ?? field(n, 'tls-port')),
      );
      const host = endpointHost(field(n, 'endpoint'), field(n, 'ip'), queriedHost);
      if (host === null || !Number.isInteger(port) || port <= 0) continue;
      const address = translate({ host, port }, nat);
      const node: TopologyNode = {
        ...address,
        id: String(field(n, 'id') ?? ''),
        role: field(n, 'role') === 'master' ? 'master' : 'replica',
      };
      if (node.role === 'master') master = node;
      else replicas.push(node);
    }
    if (master === undefined) continue;
    for (let i = 0; i + 1 < slots.length; i += 2) {
      ranges.push({ from: Number(slots[i]), to: Number(slots[i + 1]), master, replicas });
    }
  }
  return ranges;
}

/** Parses a `CLUSTER SLOTS` reply (the fallback before Redis 7). */
export function parseClusterSlots(reply: Reply, queriedHost: string, nat: NatMap | undefined): SlotRange[] {
  if (!Array.isArray(reply))
    throw new ClusterError('ERR_CLUSTER_TOPOLOGY', 'CLUSTER SLOTS reply is not an array');
  const ranges: SlotRange[] = [];
  for (const entry of reply) {
    if (!Array.isArray(entry) || entry.length < 3) continue;
    const nodes: TopologyNode[] = [];
    for (let i = 2; i < entry.length; i++) {
      const n = entry[i];
      if (!Array.isArray(n) || n.length < 2) continue;
      const meta = n[3];
      const host = endpointHost(n[0], meta === undefined ? undefined : field(meta, 'ip'), queriedHost);
      const port = Number(n[1]);
      if (host === null || !Number.isInteger(port) || port <= 0) continue;
      nodes.push({
        ...translate({ host, port }, nat),
        id: String(n[2] ?? ''),
        role: i === 2 ? 'master' : 'replica',
      });
    }
    if (nodes.length === 0 || nodes[0].role !== 'master') continue;
    ranges.push({ from: Number(entry[0]), to: Number(entry[1]), master: nodes[0], replicas: nodes.slice(1) });
  }
  return ranges;
}
