/**
 * Where a table's shards live, as a producer sees it: fetched from the coordinator's
 * `Control.GetTableRouting`, one fetch at a time however many lanes ask.
 */

import { type ChannelCredentials, credentials, type Metadata, status } from '@grpc/grpc-js';
import { LaminarError } from '../errors.js';
import { validateTable } from '../sink/config/validate-model.js';
import type { SinkTable } from '../sink/model.js';
import {
  type CoordinatorEndpoint,
  endpointChannelOptions,
  expandAddresses,
} from '../wire/coordinator-addresses.js';
import { ControlClient } from '../wire/gen/laminar/redis/v1/control.js';
import type { TableRouting } from '../wire/gen/laminar/redis/v1/resources.js';
import { leaderHint } from '../wire/not-leader.js';

/** Where one shard is hosted now. `workerId === ''`: unassigned (moving). */
export interface ShardPlacement {
  workerId: string;
  ingestAddress: string;
  epoch: number;
}

/** A table's routing, checked. */
export interface TableRoute {
  tableId: string;
  tableName: string;
  shards: number;
  /** Indexed by shard. */
  placements: ShardPlacement[];
  /**
   * The table's validated model: producers compute keys and slots with it, as workers do.
   * Undefined for a one-shard destination without a model (a pipeline's ingest source).
   */
  model: SinkTable | undefined;
}

/** The coordinator's routing cannot be used (no model, shard count changed, bad shard index). */
export class RoutingError extends LaminarError {
  constructor(
    readonly table: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_ROUTING', `routing of table '${table}': ${reason}`, options);
  }
}

/** Longest a routing call may take before it counts as failed (and is retried). */
const ROUTING_CALL_TIMEOUT_MS = 10_000;

/** Channel options shared by producer channels: reconnect fast to a worker that came back. */
export const PRODUCER_CHANNEL_OPTIONS = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
  // Notices a worker that vanished without closing its connections (host down, partition).
  'grpc.keepalive_time_ms': 20_000,
  'grpc.keepalive_timeout_ms': 10_000,
} as const;

/**
 * Statuses of a routing call after which the next coordinator address is asked at once: this one
 * is down, a standby (it serves no gRPC) or stepped down. Not FAILED_PRECONDITION: the leader
 * says the destination takes no more rows.
 */
const NEXT_COORDINATOR: ReadonlySet<number> = new Set([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.CANCELLED,
  status.UNKNOWN,
  status.INTERNAL,
]);

/**
 * Fetches and caches a table's routing. With several coordinator addresses (or a name standing
 * for several) it keeps to the one that answered last (the leader) and, when that one fails,
 * asks the leader a standby names (`ERR_NOT_LEADER`), then the others in turn.
 */
export class TableRoutingClient {
  /** The coordinator entries as given. */
  readonly #entries: readonly string[];
  readonly #creds: ChannelCredentials;
  /** One client per address asked. */
  readonly #clients = new Map<string, ControlClient>();
  readonly #table: string;
  readonly #metadata: Metadata;
  /** The coordinator asked first: the one that answered last. */
  #leader: CoordinatorEndpoint | undefined;
  #current: TableRoute | undefined;
  #running: Promise<TableRoute> | null = null;

  constructor(
    coordinators: string | readonly string[],
    table: string,
    creds: ChannelCredentials | undefined,
    metadata: Metadata,
  ) {
    this.#entries = typeof coordinators === 'string' ? [coordinators] : coordinators;
    this.#creds = creds ?? credentials.createInsecure();
    this.#table = table;
    this.#metadata = metadata;
  }

  /** The last routing fetched. */
  get current(): TableRoute | undefined {
    return this.#current;
  }

  /**
   * Fetches the routing again; concurrent callers share one call.
   *
   * @throws a grpc-js ServiceError for a failed call, {@link RoutingError} for an unusable answer,
   *   SinkConfigError for a model that does not validate.
   */
  refresh(): Promise<TableRoute> {
    this.#running ??= this.#fetch().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  close(): void {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
  }

  #client(e: CoordinatorEndpoint): ControlClient {
    let client = this.#clients.get(e.address);
    if (client === undefined) {
      client = new ControlClient(e.address, this.#creds, {
        ...PRODUCER_CHANNEL_OPTIONS,
        ...endpointChannelOptions(e),
      });
      this.#clients.set(e.address, client);
    }
    return client;
  }

  /**
   * Asks the coordinators in turn — the last one that answered first, a leader a standby named
   * next, then this round's addresses (names resolved again) — until one answers or says
   * something other than "not here"; the last failure is thrown when none answered (the caller
   * retries with its backoff).
   */
  async #fetch(): Promise<TableRoute> {
    const round = await expandAddresses(this.#entries);
    const last = this.#leader;
    const queue = last === undefined ? round : [last, ...round.filter((e) => e.address !== last.address)];
    const asked = new Set<string>();
    let routing: TableRouting | undefined;
    let lastError: unknown;
    for (let i = 0; i < queue.length && routing === undefined; i++) {
      const at = queue[i];
      if (asked.has(at.address)) continue;
      asked.add(at.address);
      try {
        routing = await this.#call(this.#client(at));
        this.#leader = at;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code !== 'number' || !NEXT_COORDINATOR.has(code)) throw err;
        lastError = err;
        const hint = leaderHint(err);
        if (hint !== undefined && !asked.has(hint)) queue.splice(i + 1, 0, { address: hint });
      }
    }
    if (routing === undefined) throw lastError;
    const route = this.#check(routing);
    this.#current = route;
    return route;
  }

  #call(client: ControlClient): Promise<TableRouting> {
    return new Promise<TableRouting>((resolve, reject) => {
      client.getTableRouting(
        { id: this.#table },
        this.#metadata,
        { deadline: Date.now() + ROUTING_CALL_TIMEOUT_MS },
        (err, res) => (err ? reject(err) : resolve(res)),
      );
    });
  }

  #check(r: TableRouting): TableRoute {
    const prev = this.#current;
    if (!Number.isSafeInteger(r.shards) || r.shards < 1) {
      throw new RoutingError(this.#table, `the coordinator reports ${r.shards} shards`);
    }
    if (prev !== undefined && (prev.shards !== r.shards || prev.tableId !== r.tableId)) {
      throw new RoutingError(
        this.#table,
        `the table changed under the producer (${prev.shards} shards of ${prev.tableId}, now ${r.shards} of ${r.tableId}); create a new producer`,
      );
    }
    let model = prev?.model;
    if (model === undefined && r.model !== undefined) model = validateTable(r.model as SinkTable);
    if (model === undefined && r.shards !== 1) {
      throw new RoutingError(this.#table, 'the coordinator sent no table model');
    }
    const placements: ShardPlacement[] = [];
    for (let j = 0; j < r.shards; j++) placements.push({ workerId: '', ingestAddress: '', epoch: 0 });
    for (const s of r.routes) {
      if (!Number.isSafeInteger(s.shard) || s.shard >= r.shards) {
        throw new RoutingError(this.#table, `route for shard ${s.shard} of ${r.shards}`);
      }
      placements[s.shard] = { workerId: s.workerId, ingestAddress: s.ingestAddress, epoch: s.epoch };
    }
    return { tableId: r.tableId, tableName: r.tableName, shards: r.shards, placements, model };
  }
}
