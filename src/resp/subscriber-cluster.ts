/**
 * Pub/sub on a Redis Cluster. Shard channels (`SSUBSCRIBE`, Redis 7+) live on the master that
 * owns their hash slot, so each is subscribed on that node, through one {@link RedisSubscriber}
 * per node. Plain channels and patterns are broadcast to every node by the cluster bus, so they
 * are subscribed once, on one master.
 *
 * A shard channel follows its slot: when a node answers `MOVED`, ends the subscription itself
 * (`sunsubscribe`, sent when its slot migrates away), or is lost and its slots fail over to a
 * replica, the topology is refreshed and the channel is subscribed where its slot lives now.
 * Messages published meanwhile are lost, as with any pub/sub disconnection, and each loss is a
 * `disconnected` event.
 */
import { EventEmitter } from 'node:events';
import { type ClusterOptions, createCluster, type RedisCluster } from './cluster/cluster-client.js';
import { keySlot } from './cluster/key-slot.js';
import { ClusterError, MovedError, ReplyError } from './errors.js';
import { type ClientOptions, parseClientOptions } from './options.js';
import { RedisSubscriber, type SubscriberEvents, type SubscriberStats } from './subscriber.js';
import { SubscriberClosedError } from './subscriber-errors.js';
import type { SubscriptionKind } from './subscriber-frames.js';
import { parseRedisUrl } from './url.js';

/** Topology refreshes one shard channel may go through before its subscription fails. */
const MAX_PLACEMENTS = 8;
/** How often a lost node's channels look for a new home while its slots fail over, ms. */
const REHOME_INTERVAL_MS = 250;

/** Options of {@link createClusterSubscriber}: the cluster's seeds and every node's client options. */
export type ClusterSubscriberOptions = ClusterOptions & Pick<ClientOptions, 'reconnect'>;

/** Subscribes across a cluster; see the module comment. Same events as {@link RedisSubscriber}. */
export class ClusterSubscriber extends EventEmitter<SubscriberEvents> implements AsyncDisposable {
  readonly #cluster: RedisCluster;
  readonly #node: ClientOptions;
  /** One subscriber per node, by `host:port`. */
  readonly #nodes = new Map<string, RedisSubscriber>();
  /** Shard channels asked for, wherever they are subscribed now. */
  readonly #shard = new Set<string>();
  /** Channels and patterns (subscribed on {@link #broadcast}). */
  readonly #plain: Record<'subscribe' | 'psubscribe', Set<string>> = {
    subscribe: new Set(),
    psubscribe: new Set(),
  };
  #broadcast: string | undefined;
  /** Names wanted whose node was lost or refused them, waiting for a new home. */
  readonly #homeless: Record<SubscriptionKind, Set<string>> = {
    subscribe: new Set(),
    psubscribe: new Set(),
    ssubscribe: new Set(),
  };
  #rehoming: NodeJS.Timeout | null = null;
  #closed = false;

  /** @internal use {@link createClusterSubscriber} */
  constructor(cluster: RedisCluster, node: ClientOptions) {
    super();
    this.#cluster = cluster;
    this.#node = node;
  }

  /** Totals over every node's subscriber (the ones closed since included). */
  readonly stats: SubscriberStats = { messages: 0, disconnects: 0, resubscriptions: 0 };

  /** Channels, all nodes together. */
  subscribe(...channels: string[]): Promise<void> {
    return this.#addPlain('subscribe', channels);
  }

  psubscribe(...patterns: string[]): Promise<void> {
    return this.#addPlain('psubscribe', patterns);
  }

  /** Shard channels, each on the master of its slot. */
  async ssubscribe(...channels: string[]): Promise<void> {
    if (this.#closed) throw new SubscriberClosedError();
    const fresh = [...new Set(channels)].filter((c) => !this.#shard.has(c));
    for (const c of fresh) this.#shard.add(c);
    try {
      await this.#place(fresh, 0);
    } catch (err) {
      for (const c of fresh) this.#shard.delete(c);
      throw err;
    }
  }

  /** Names subscribed of one kind. */
  subscriptions(kind: SubscriptionKind): string[] {
    return kind === 'ssubscribe' ? [...this.#shard] : [...this.#plain[kind]];
  }

  /** Where a shard channel is subscribed now (`host:port`), if it is. */
  nodeOf(channel: string): string | undefined {
    for (const [key, sub] of this.#nodes) if (sub.subscriptions('ssubscribe').includes(channel)) return key;
    return undefined;
  }

  pause(): void {
    for (const s of this.#nodes.values()) s.pause();
  }

  resume(): void {
    for (const s of this.#nodes.values()) s.resume();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#rehoming !== null) clearInterval(this.#rehoming);
    await Promise.all([...this.#nodes.values()].map((s) => s.close()));
    this.#nodes.clear();
    await this.#cluster.close();
    this.emit('end');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #addPlain(kind: 'subscribe' | 'psubscribe', names: string[]): Promise<void> {
    if (this.#closed) throw new SubscriberClosedError();
    if (this.#broadcast === undefined) {
      this.#broadcast = this.#cluster.slotMap.owners.find((o) => o !== undefined);
      if (this.#broadcast === undefined) {
        await this.#cluster.refresh();
        this.#broadcast = this.#cluster.slotMap.owners.find((o) => o !== undefined);
      }
    }
    const sub = await this.#subscriberOf(this.#broadcast!);
    for (const n of names) this.#plain[kind].add(n);
    await (kind === 'subscribe' ? sub.subscribe(...names) : sub.psubscribe(...names));
  }

  /** Subscribes shard channels on the owners of their slots, refreshing the topology on MOVED. */
  async #place(channels: readonly string[], round: number): Promise<void> {
    const byNode = new Map<string, string[]>();
    let unknown = false;
    for (const c of channels) {
      const owner = this.#cluster.slotMap.owners[keySlot(c)];
      if (owner === undefined) unknown = true;
      else byNode.set(owner, [...(byNode.get(owner) ?? []), c]);
    }
    if (unknown) {
      if (round >= MAX_PLACEMENTS)
        throw new ClusterError('ERR_CLUSTER_SLOT_UNSERVED', 'no node serves the slot of a shard channel');
      await this.#cluster.refresh();
      return this.#place(channels, round + 1);
    }
    await Promise.all(
      [...byNode].map(async ([node, names]) => {
        try {
          const sub = await this.#subscriberOf(node);
          await sub.ssubscribe(...names);
        } catch (err) {
          if (!(err instanceof MovedError) || round >= MAX_PLACEMENTS) throw err;
          await this.#cluster.refresh();
          await this.#place(names, round + 1);
        }
      }),
    );
  }

  /** The subscriber of a node, connected. */
  async #subscriberOf(node: string): Promise<RedisSubscriber> {
    if (this.#closed) throw new SubscriberClosedError();
    let sub = this.#nodes.get(node);
    if (sub === undefined) {
      const address = this.#cluster.slotMap.nodes.get(node);
      const at = address ?? parseKey(node);
      sub = new RedisSubscriber(parseClientOptions({ ...this.#node, host: at.host, port: at.port }));
      this.#nodes.set(node, sub);
      this.#watch(sub);
    }
    await sub.connect();
    return sub;
  }

  #watch(sub: RedisSubscriber): void {
    sub.on('message', (m) => {
      this.stats.messages++;
      this.emit('message', m);
    });
    sub.on('resubscribed', () => {
      this.stats.resubscriptions++;
      this.emit('resubscribed');
    });
    sub.on('disconnected', (e) => {
      this.stats.disconnects++;
      this.emit('disconnected', e);
      this.#startRehoming();
    });
    sub.on('refused', (r) => {
      if (r.kind !== 'ssubscribe') {
        this.emit('refused', r);
        return;
      }
      // The slot moved (or a failover handed it on): subscribe where it lives now.
      const wanted = r.names.filter((n) => this.#shard.has(n));
      this.#cluster
        .refresh()
        .then(() => this.#place(wanted, 1))
        .catch(() => {
          for (const n of wanted) this.#homeless.ssubscribe.add(n);
          this.#startRehoming();
        });
    });
    sub.on('error', (e) => {
      if (this.listenerCount('error') > 0) this.emit('error', e);
    });
  }

  /**
   * While a node is lost or names wait for a home, looks every {@link REHOME_INTERVAL_MS} for their
   * slots on another master (a failover) and subscribes them there; stops once every node is
   * connected again and every name has a home.
   */
  #startRehoming(): void {
    if (this.#rehoming !== null || this.#closed) return;
    let running = false;
    this.#rehoming = setInterval(() => {
      // One round at a time: a round can wait on a node that is still failing over.
      if (running) return;
      running = true;
      this.#rehome()
        .catch(() => {})
        .finally(() => {
          running = false;
        });
    }, REHOME_INTERVAL_MS);
    this.#rehoming.unref();
  }

  async #rehome(): Promise<void> {
    const lost = [...this.#nodes].filter(([, s]) => !s.isReady);
    const homeless = (['subscribe', 'psubscribe', 'ssubscribe'] as const).some(
      (k) => this.#homeless[k].size > 0,
    );
    if (lost.length === 0 && !homeless) {
      if (this.#rehoming !== null) clearInterval(this.#rehoming);
      this.#rehoming = null;
      return;
    }
    await this.#cluster.refresh();
    const owners = this.#cluster.slotMap.owners;
    for (const [node, sub] of lost) {
      const moved = sub.subscriptions('ssubscribe').filter((c) => owners[keySlot(c)] !== node);
      await sub.unsubscribe('ssubscribe', moved);
      for (const c of moved) this.#homeless.ssubscribe.add(c);
      if (this.#broadcast === node && !owners.includes(node)) {
        // The broadcast node is no master any more: channels and patterns move to another one.
        this.#broadcast = undefined;
        for (const k of ['subscribe', 'psubscribe'] as const) {
          const names = sub.subscriptions(k);
          await sub.unsubscribe(k, names);
          for (const n of names) this.#homeless[k].add(n);
        }
      }
      if (holdsNothing(sub)) {
        this.#nodes.delete(node);
        await sub.close();
      }
    }
    await this.#rehouse();
  }

  /** Subscribes homeless names where they belong now; what fails waits for the next round. */
  async #rehouse(): Promise<void> {
    for (const k of ['subscribe', 'psubscribe'] as const) {
      const names = [...this.#homeless[k]];
      if (names.length === 0) continue;
      try {
        await this.#addPlain(k, names);
        for (const n of names) this.#homeless[k].delete(n);
      } catch {
        this.#broadcast = undefined;
      }
    }
    const shard = [...this.#homeless.ssubscribe].filter((c) => this.#shard.has(c));
    this.#homeless.ssubscribe.clear();
    await Promise.all(
      shard.map((c) =>
        this.#place([c], 1).catch((error: unknown) => {
          if (error instanceof ReplyError && !(error instanceof MovedError)) {
            // Refused for good (an ACL, ...): no other node will take it either.
            this.#shard.delete(c);
            this.emit('refused', { kind: 'ssubscribe', names: [c], error });
          } else {
            this.#homeless.ssubscribe.add(c);
          }
        }),
      ),
    );
  }
}

function holdsNothing(sub: RedisSubscriber): boolean {
  return (['subscribe', 'psubscribe', 'ssubscribe'] as const).every((k) => sub.subscriptions(k).length === 0);
}

function parseKey(key: string): { host: string; port: number } {
  const colon = key.lastIndexOf(':');
  return { host: key.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(key.slice(colon + 1)) };
}

/**
 * Connects a cluster subscriber: loads the topology from the seeds (`addresses`), then opens a
 * subscriber per node as subscriptions need them. Node options (credentials, `tls`, `protocol`,
 * `returnBuffers`, `reconnect`) apply to every node.
 *
 * ```ts
 * const sub = await createClusterSubscriber({ addresses: ['redis://127.0.0.1:7000'] });
 * sub.on('message', (m) => console.log(m.channel, m.payload));
 * await sub.ssubscribe('orders:{eu}', 'orders:{us}'); // each on the master of its slot
 * ```
 */
export async function createClusterSubscriber(options: ClusterSubscriberOptions): Promise<ClusterSubscriber> {
  const {
    addresses,
    natMap,
    refreshInterval,
    refreshTimeout,
    maxRedirections,
    retryDelay,
    failoverTimeout,
    reconnect,
    ...node
  } = options;
  const cluster = await createCluster({
    addresses,
    natMap,
    refreshInterval,
    refreshTimeout,
    maxRedirections,
    retryDelay,
    failoverTimeout,
    ...node,
  });
  const first = addresses[0];
  const seed = first.includes('://') ? parseRedisUrl(first) : {};
  return new ClusterSubscriber(cluster, {
    ...node,
    username: node.username ?? seed.username,
    password: node.password ?? seed.password,
    tls: node.tls ?? (seed.tls === true ? true : undefined),
    reconnect,
  });
}
