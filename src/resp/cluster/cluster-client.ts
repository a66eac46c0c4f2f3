import { EventEmitter } from 'node:events';
import { RedisClient, waitTimeout } from '../client.js';
import {
  AskError,
  ClientClosedError,
  ClusterError,
  ConfigError,
  ConnectionError,
  MovedError,
  ReplyError,
} from '../errors.js';
import { type ClientOptions, parseClientOptions } from '../options.js';
import type { Command, Reply } from '../reply.js';
import type { CallOptions, RedisTransport, ReplicaAck } from '../target.js';
import { respTotals } from '../totals.js';
import { parseRedisUrl } from '../url.js';
import { commandSlot, NO_SLOT } from './command-keys.js';
import { SLOT_COUNT } from './key-slot.js';
import { SlotMap } from './slot-map.js';
import { SlotOrder } from './slot-order.js';
import {
  type NatMap,
  type NodeAddress,
  nodeKey,
  parseClusterShards,
  parseClusterSlots,
  type SlotRange,
  translate,
} from './topology.js';

/** Options of {@link createCluster}. Node connections take every {@link ClientOptions} field too. */
export interface ClusterOptions extends Omit<ClientOptions, 'host' | 'port' | 'db' | 'reconnect'> {
  /** Seed nodes: `redis://host:port`, `rediss://host:port` or `host:port`. At least one. */
  addresses: string[];
  /** Address translation for NAT / containers, applied to topology and redirections. */
  natMap?: NatMap;
  /** Periodic topology refresh, ms; 0 disables. Default {@link DEFAULT_REFRESH_INTERVAL}. */
  refreshInterval?: number;
  /** Timeout of one topology query, ms. Default {@link DEFAULT_REFRESH_TIMEOUT}. */
  refreshTimeout?: number;
  /** Redirections (MOVED/ASK) one command may follow. Default {@link DEFAULT_MAX_REDIRECTIONS}. */
  maxRedirections?: number;
  /** First retry delay for TRYAGAIN/CLUSTERDOWN/LOADING/MASTERDOWN and unreachable masters, ms. Default 20. */
  retryDelay?: number;
  /** Longest a command waits for its slot to be served again (failover), ms. Default {@link DEFAULT_FAILOVER_TIMEOUT}. */
  failoverTimeout?: number;
}

export const DEFAULT_REFRESH_INTERVAL = 30_000;
export const DEFAULT_REFRESH_TIMEOUT = 2_000;
export const DEFAULT_MAX_REDIRECTIONS = 16;
export const DEFAULT_FAILOVER_TIMEOUT = 15_000;
const DEFAULT_RETRY_DELAY = 20;
const MAX_RETRY_DELAY = 500;

/** Error replies that mean "the cluster is changing; try the same node again later". */
const TRANSIENT = new Set(['TRYAGAIN', 'CLUSTERDOWN', 'LOADING', 'MASTERDOWN']);

/** Counters of routing events, for tests and metrics. */
export interface ClusterStats {
  moved: number;
  ask: number;
  /** TRYAGAIN / CLUSTERDOWN / LOADING / MASTERDOWN replies retried. */
  transient: number;
  /** Sub-batches resent after their node could not be reached (never written). */
  unreachable: number;
  refreshes: number;
}

interface Group {
  key: string;
  /** Command indices in order. */
  idx: number[];
  /** Per index: send ASKING first. */
  asking: boolean[];
}

/** The events of a {@link RedisCluster}: event name → listener arguments. */
export interface RedisClusterEvents {
  /** The slot map was loaded again (at start, periodically, or after a MOVED or a lost node). */
  refresh: [];
}

/**
 * A Redis Cluster client: routes each command by hash slot to the master serving it, splits
 * pipelines per node and sends them concurrently, follows MOVED/ASK, retries transient errors with
 * backoff, and waits out failovers. Create it with {@link createCluster}.
 *
 * Ordering: replies come back in the caller's order, and a command never overtakes an earlier
 * command to the same slot that is being redirected or retried — runs that touch a slot under
 * retry wait for the earlier run (by start order, so no two runs wait on each other); see
 * {@link SlotOrder}.
 */
export class RedisCluster
  extends EventEmitter<RedisClusterEvents>
  implements RedisTransport, AsyncDisposable
{
  /** Commands are routed by hash slot; multi-key commands must keep to one slot. */
  readonly topology = 'cluster';
  readonly stats: ClusterStats = { moved: 0, ask: 0, transient: 0, unreachable: 0, refreshes: 0 };
  readonly #seeds: NodeAddress[];
  readonly #node: ClientOptions;
  readonly #nat: NatMap | undefined;
  readonly #tls: boolean;
  readonly #refreshTimeout: number;
  readonly #maxRedirections: number;
  readonly #retryDelay: number;
  readonly #failoverTimeout: number;
  /** The node connections' command timeout, ms (0: none). */
  readonly #commandTimeout: number;
  #map = new SlotMap();
  readonly #clients = new Map<string, RedisClient>();
  #refreshing: Promise<void> | null = null;
  readonly #order = new SlotOrder();
  #rr = 0;
  #closed = false;
  #timer: NodeJS.Timeout | null = null;

  /** @internal use {@link createCluster} */
  constructor(options: ClusterOptions) {
    super();
    const {
      addresses,
      natMap,
      refreshInterval,
      refreshTimeout,
      maxRedirections,
      retryDelay,
      failoverTimeout,
      ...node
    } = options;
    if (!Array.isArray(addresses) || addresses.length === 0) {
      throw new ConfigError(`option 'addresses' must list at least one node`, 'addresses');
    }
    this.#seeds = [];
    let tls = node.tls !== undefined && node.tls !== false;
    for (const a of addresses) {
      const seed = parseSeed(a);
      if (seed.tls) tls = true;
      node.username ??= seed.username;
      node.password ??= seed.password;
      this.#seeds.push({ host: seed.host, port: seed.port });
    }
    this.#node = {
      ...node,
      tls: tls ? (node.tls === undefined || node.tls === false ? true : node.tls) : undefined,
    };
    // Validate node options once, up front, so errors name the option before any connection.
    this.#commandTimeout = parseClientOptions({
      ...this.#node,
      host: this.#seeds[0].host,
      port: this.#seeds[0].port,
    }).commandTimeout;
    this.#nat = natMap;
    this.#tls = tls;
    this.#refreshTimeout = positive(refreshTimeout, 'refreshTimeout', DEFAULT_REFRESH_TIMEOUT);
    this.#maxRedirections = positive(maxRedirections, 'maxRedirections', DEFAULT_MAX_REDIRECTIONS);
    this.#retryDelay = positive(retryDelay, 'retryDelay', DEFAULT_RETRY_DELAY);
    this.#failoverTimeout = positive(failoverTimeout, 'failoverTimeout', DEFAULT_FAILOVER_TIMEOUT);
    const interval = refreshInterval ?? DEFAULT_REFRESH_INTERVAL;
    if (interval > 0) {
      this.#timer = setInterval(() => this.refresh().catch(() => {}), interval);
      this.#timer.unref();
    }
  }

  /** The current slot map (a read-only view; it is replaced on every topology refresh). */
  get slotMap(): SlotMap {
    return this.#map;
  }

  /** Sends one command to the node serving its key's slot. Error replies reject (ReplyError). */
  async send<T extends Reply = Reply>(command: Command, options?: CallOptions): Promise<T> {
    const [reply] = await this.#run([command], [commandSlot(command)], options);
    if (reply instanceof ReplyError) throw reply;
    return reply as T;
  }

  /**
   * Sends commands across the cluster under one promise: split per node, sent concurrently, replies
   * put back in order (error replies as values). A multi-key command whose keys span slots rejects
   * the whole call with CrossSlotError before anything is sent. If a node connection fails after
   * commands were written, the call rejects with that ConnectionError (outcome unknown) once every
   * other node has answered.
   */
  pipeline(commands: readonly Command[], options?: CallOptions): Promise<Reply[]> {
    if (commands.length === 0) return Promise.resolve([]);
    let slots: number[];
    try {
      slots = commands.map(commandSlot);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#run(commands, slots, options);
  }

  /** Like {@link pipeline} with slots the caller computed already (NO_SLOT for keyless). */
  pipelineSlots(
    commands: readonly Command[],
    slots: readonly number[],
    options?: CallOptions,
  ): Promise<Reply[]> {
    return this.#run(commands, slots, options);
  }

  /**
   * `WAIT count timeoutMs` on each master serving a slot of `range`, as the slot map has it now.
   * Each WAIT is routed by the first slot of the range its master serves, so it goes over the
   * very connection (and queues behind the very writes) that slot's commands used. The command
   * timeout is extended by `timeoutMs`, which each master may spend waiting.
   */
  async waitReplicas(
    count: number,
    timeoutMs: number,
    range: readonly [first: number, last: number],
  ): Promise<ReplicaAck[]> {
    const firstSlotOf = new Map<string, number>();
    const owners = this.#map.owners;
    for (let s = range[0]; s <= range[1] && s < SLOT_COUNT; s++) {
      const owner = owners[s];
      if (owner !== undefined && !firstSlotOf.has(owner)) firstSlotOf.set(owner, s);
    }
    const nodes = [...firstSlotOf.keys()];
    const slots = [...firstSlotOf.values()];
    const wait: Command = ['WAIT', count, timeoutMs];
    const timeout = waitTimeout(this.#commandTimeout, timeoutMs);
    const replies = await this.#run(
      slots.map(() => wait),
      slots,
      { timeout },
    );
    return replies.map((reply, i) => ({ node: nodes[i], reply }));
  }

  /** Reloads the topology now; concurrent callers share one refresh. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#loadTopology().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  /** Closes every node connection after their pending replies. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map((c) => c.close()));
  }

  /** {@link RedisCluster.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** The connection to a node, opened lazily; commands wait in its offline queue while it connects. */
  #client(key: string): RedisClient {
    let c = this.#clients.get(key);
    if (c !== undefined) return c;
    if (this.#closed) throw new ClientClosedError();
    const address = this.#map.nodes.get(key) ?? parseNodeKey(key);
    c = new RedisClient(
      parseClientOptions({ ...this.#node, host: address.host, port: address.port, reconnect: false }),
    );
    const client = c;
    client.on('end', () => {
      if (this.#clients.get(key) === client) this.#clients.delete(key);
      if (!this.#closed) this.refresh().catch(() => {});
    });
    client.connect().catch(() => {});
    this.#clients.set(key, client);
    return client;
  }

  async #run(
    commands: readonly Command[],
    slots: readonly number[],
    options?: CallOptions,
  ): Promise<Reply[]> {
    if (this.#closed) throw new ClientClosedError();
    const n = commands.length;
    const results: Reply[] = new Array(n);
    const order = this.#order;
    const run = order.nextRun();
    const owned: number[] = [];
    let todo: number[] = new Array(n);
    for (let i = 0; i < n; i++) todo[i] = i;
    // Assigned inside the reply callbacks; the casts keep TypeScript from narrowing them to null.
    let redirections = null as Uint8Array | null;
    let ask = null as Map<number, string> | null;
    let fatal = null as Error | null;
    const deadline = Date.now() + this.#failoverTimeout;
    let attempt = 0;
    try {
      if (order.anyHeld) await order.waitHolds(run, slots, todo, owned);
      while (todo.length > 0) {
        const groups = new Map<string, Group>();
        const unrouted: number[] = [];
        let pinned: number[] | null = null;
        const masters = this.#map.masters();
        for (const i of todo) {
          const slot = slots[i];
          let key = ask?.get(i);
          const asking = key !== undefined;
          if (key === undefined) {
            if (slot === NO_SLOT) key = masters[this.#rr++ % Math.max(1, masters.length)];
            else {
              key = this.#map.owners[slot];
              if (key !== undefined && !order.pin(slot, key)) {
                // Earlier commands of this slot are in flight to its previous owner: wait for them.
                order.hold(run, slot, owned, false);
                (pinned ??= []).push(i);
                continue;
              }
            }
          }
          if (key === undefined) {
            order.hold(run, slot, owned, false);
            unrouted.push(i);
            continue;
          }
          let g = groups.get(key);
          if (g === undefined) groups.set(key, (g = { key, idx: [], asking: [] }));
          g.idx.push(i);
          g.asking.push(asking);
        }
        const next: number[] = pinned === null ? [] : [...pinned];
        let wait = false;
        const sent = [...groups.values()].map((g) =>
          this.#dispatch(g, commands, options).then(
            (replies) => {
              this.#unpin(g, slots);
              for (let j = 0; j < g.idx.length; j++) {
                const i = g.idx[j];
                const r = replies[j];
                if (
                  r instanceof ReplyError &&
                  (r instanceof MovedError || r instanceof AskError || TRANSIENT.has(r.prefix))
                ) {
                  const transient = !(r instanceof MovedError || r instanceof AskError);
                  if (transient && Date.now() >= deadline) {
                    // The cluster stayed unavailable for the whole failover window: surface it.
                    results[i] = r;
                    continue;
                  }
                  redirections ??= new Uint8Array(n);
                  // TRYAGAIN/CLUSTERDOWN/... are bounded by failoverTimeout, not the redirection cap.
                  if (!transient && ++redirections[i] > this.#maxRedirections) {
                    results[i] = new ClusterError(
                      'ERR_CLUSTER_REDIRECTIONS',
                      `${commandLabel(commands[i])} was redirected more than ${this.#maxRedirections} times`,
                      { cause: r },
                    ) as unknown as Reply;
                    continue;
                  }
                  if (r instanceof MovedError) {
                    this.stats.moved++;
                    respTotals.moved++;
                    ask?.delete(i);
                    this.#map.assign(r.slot, translate({ host: r.host, port: r.port }, this.#nat));
                    this.refresh().catch(() => {});
                  } else if (r instanceof AskError) {
                    this.stats.ask++;
                    respTotals.ask++;
                    const target = translate({ host: r.host, port: r.port }, this.#nat);
                    (ask ??= new Map()).set(i, nodeKey(target.host, target.port));
                  } else {
                    this.stats.transient++;
                    respTotals.transient[r.prefix] = (respTotals.transient[r.prefix] ?? 0) + 1;
                    wait = true;
                  }
                  order.hold(run, slots[i], owned, false);
                  next.push(i);
                } else {
                  results[i] = r;
                  ask?.delete(i);
                }
              }
            },
            (err: Error) => {
              this.#unpin(g, slots);
              if (isNeverSent(err) && Date.now() < deadline) {
                // Nothing reached the node: safe to resend once the topology says where to.
                this.stats.unreachable++;
                respTotals.unreachable++;
                wait = true;
                for (const i of g.idx) {
                  ask?.delete(i);
                  order.hold(run, slots[i], owned, false);
                  next.push(i);
                }
                this.refresh().catch(() => {});
              } else {
                fatal ??= err;
                for (const i of g.idx) results[i] = err as unknown as Reply;
              }
            },
          ),
        );
        // Handed to the connections: runs that waited behind this one may follow now.
        if (owned.length > 0) order.release(run, owned, true);
        await Promise.all(sent);
        if (unrouted.length > 0) {
          if (Date.now() >= deadline) {
            for (const i of unrouted) {
              results[i] = new ClusterError(
                'ERR_CLUSTER_SLOT_UNSERVED',
                `no node serves slot ${slots[i]} (waited ${this.#failoverTimeout} ms)`,
              ) as unknown as Reply;
            }
          } else {
            wait = true;
            for (const i of unrouted) next.push(i);
            await this.refresh().catch(() => {});
          }
        }
        if (next.length === 0) break;
        if (pinned !== null) await order.drained(pinned.map((i) => slots[i]));
        if (wait) await sleep(backoff(this.#retryDelay, attempt++));
        // Per-key order: resend in the caller's order, after earlier runs holding these slots.
        next.sort((a, b) => a - b);
        await order.waitHolds(run, slots, next, owned);
        todo = next;
      }
    } finally {
      order.release(run, owned, false);
    }
    if (fatal !== null) throw fatal;
    return results;
  }

  /** Sends one node's share: ASKING goes right before each command redirected by ASK. */
  #dispatch(g: Group, commands: readonly Command[], opts?: CallOptions): Promise<Reply[]> {
    let client: RedisClient;
    try {
      client = this.#client(g.key);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!g.asking.includes(true)) {
      const sub = new Array<Command>(g.idx.length);
      for (let j = 0; j < g.idx.length; j++) sub[j] = commands[g.idx[j]];
      return client.pipeline(sub, opts);
    }
    const sub: Command[] = [];
    const at: number[] = [];
    for (let j = 0; j < g.idx.length; j++) {
      if (g.asking[j]) sub.push(['ASKING']);
      at.push(sub.length);
      sub.push(commands[g.idx[j]]);
    }
    return client.pipeline(sub, opts).then((replies) => at.map((p) => replies[p]));
  }

  /** Drops the in-flight pins of a group whose replies (or failure) arrived. */
  #unpin(g: Group, slots: readonly number[]): void {
    for (let j = 0; j < g.idx.length; j++) {
      const slot = slots[g.idx[j]];
      // ASK-routed and keyless commands were never pinned.
      if (g.asking[j] || slot === NO_SLOT) continue;
      this.#order.unpin(slot);
    }
  }

  async #loadTopology(): Promise<void> {
    const candidates: NodeAddress[] = [];
    const seen = new Set<string>();
    const add = (a: NodeAddress) => {
      const k = nodeKey(a.host, a.port);
      if (!seen.has(k)) {
        seen.add(k);
        candidates.push(a);
      }
    };
    for (const k of this.#map.masters()) add(this.#map.nodes.get(k)!);
    for (const s of this.#seeds) add(translate(s, this.#nat));
    let lastError: unknown;
    for (const address of candidates) {
      try {
        const ranges = await this.#queryTopology(address);
        if (ranges.length === 0) throw new ClusterError('ERR_CLUSTER_TOPOLOGY', 'the node reports no slots');
        this.#map = SlotMap.fromRanges(ranges);
        this.stats.refreshes++;
        this.#dropStaleClients();
        this.emit('refresh');
        return;
      } catch (err) {
        lastError = err;
      }
    }
    throw new ClusterError('ERR_CLUSTER_TOPOLOGY', `no cluster node answered a topology query`, {
      cause: lastError,
    });
  }

  /** Asks one node for the topology on a separate short-lived connection. */
  async #queryTopology(address: NodeAddress): Promise<SlotRange[]> {
    const probe = new RedisClient(
      parseClientOptions({
        ...this.#node,
        host: address.host,
        port: address.port,
        reconnect: false,
        connectTimeout: this.#refreshTimeout,
        commandTimeout: this.#refreshTimeout,
      }),
    );
    try {
      await probe.connect();
      try {
        return parseClusterShards(
          await probe.send(['CLUSTER', 'SHARDS']),
          address.host,
          this.#nat,
          this.#tls,
        );
      } catch (err) {
        if (!(err instanceof ReplyError) || err.prefix !== 'ERR') throw err;
        return parseClusterSlots(await probe.send(['CLUSTER', 'SLOTS']), address.host, this.#nat);
      }
    } finally {
      probe.disconnect().catch(() => {});
    }
  }

  /** Closes connections to nodes that left the topology. */
  #dropStaleClients(): void {
    for (const [key, client] of this.#clients) {
      if (!this.#map.nodes.has(key)) {
        this.#clients.delete(key);
        client.close().catch(() => {});
      }
    }
  }
}

function isNeverSent(err: Error): boolean {
  return (err instanceof ConnectionError && !err.written) || err instanceof ClientClosedError;
}

function commandLabel(cmd: Command): string {
  return typeof cmd[0] === 'string' ? cmd[0].toUpperCase() : 'command';
}

/** Exponential backoff with jitter, capped. */
function backoff(base: number, attempt: number): number {
  const ceiling = Math.min(MAX_RETRY_DELAY, base * 2 ** Math.min(attempt, 10));
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function positive(v: number | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !(v > 0))
    throw new ConfigError(`option '${name}' must be a positive number`, name);
  return v;
}

function parseSeed(a: string): NodeAddress & { tls: boolean; username?: string; password?: string } {
  if (typeof a !== 'string' || a === '')
    throw new ConfigError(`option 'addresses' holds an empty address`, 'addresses');
  if (a.includes('://')) {
    const o = parseRedisUrl(a);
    return {
      host: o.host ?? '127.0.0.1',
      port: o.port ?? 6379,
      tls: o.tls === true,
      username: o.username,
      password: o.password,
    };
  }
  const { host, port } = parseNodeKey(a);
  return { host, port, tls: false };
}

function parseNodeKey(key: string): NodeAddress {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(key);
  if (m === null) throw new ConfigError(`address '${key}' is not host:port`, 'addresses');
  return { host: m[1], port: Number(m[2]) };
}

/**
 * Connects to a Redis Cluster: loads the topology from the seeds (CLUSTER SHARDS, or CLUSTER SLOTS
 * on older servers) and returns a client that routes by slot.
 *
 * ```ts
 * const cl = await createCluster({ addresses: ['redis://127.0.0.1:7000'], username, password });
 * await cl.pipeline([['SET', 'a', '1'], ['SET', 'b', '2']]);  // split per node, replies in order
 * ```
 */
export async function createCluster(options: ClusterOptions): Promise<RedisCluster> {
  const cluster = new RedisCluster(options);
  try {
    await cluster.refresh();
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}
