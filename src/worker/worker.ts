import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { childLogger, type LaminarLogger, type Logger, SILENT_LOGGER } from '../log.js';
import { DEFAULT_READ_BATCH, DEFAULT_WAIT_TIMEOUT_MS } from '../plan/job-spec.js';
import { validateTable } from '../sink/config/validate-model.js';
import type { SinkTable } from '../sink/model.js';
import { StateMismatchError } from '../storage/state-errors.js';
import { packageVersion } from '../version.js';
import { assertBindAllowed } from '../wire/auth.js';
import {
  addressList,
  type CoordinatorEndpoint,
  endpointChannelOptions,
  expandAddresses,
} from '../wire/coordinator-addresses.js';
import { IngestService } from '../wire/gen/laminar/redis/v1/ingest.js';
import {
  type AssignPipeline,
  type AssignShard,
  CoordinationClient,
  type CoordinatorMessage,
  type WorkerMessage,
} from '../wire/gen/laminar/redis/v1/worker.js';
import { bearer, bindServer, errorCode, errorMessage } from '../wire/grpc-util.js';
import { MAX_INGEST_MESSAGE_BYTES } from '../wire/ingest-wire.js';
import { leaderHint } from '../wire/not-leader.js';
import { notReady, READY, type Readiness, type ReadinessState } from '../wire/readiness.js';
import type { HostedShard, ShardDirectory } from './hosted-shard.js';
import { createIngestService } from './ingest-service.js';
import { INGEST_WINDOW_BYTES, raiseReceiveWindow } from './ingest-window.js';
import { type MetricsServer, startMetricsServer } from './metrics-server.js';
import { PipelineHost } from './pipeline-host.js';
import { ShardHost } from './shard-host.js';

const STOPPING = notReady('stopping');
const UNREGISTERED = notReady('not registered with the coordinator');
const TOKEN_REFUSED = notReady('the coordinator refused the token; not retrying');
const STORE_REFUSED = notReady('the coordinator has another state store; not retrying');

/** Default heartbeat period when the coordinator does not say. */
const DEFAULT_HEARTBEAT_MS = 500;

export interface WorkerOptions {
  /**
   * The coordinator's gRPC address, `host:port`; with standby coordinators (a Redis state store),
   * all of theirs, comma-separated, or one name that resolves to each of them (resolved again on
   * every round): when a session ends or cannot start, the worker registers with the leader a
   * standby names (`ERR_NOT_LEADER`), else with the next address, so it follows whichever holds
   * the lease.
   */
  coordinator: string;
  /** Bearer token for the coordinator and for producers calling this worker. */
  token?: string;
  /** Where the Ingest service listens. Default 127.0.0.1 (without a token only loopback is allowed). */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Address producers are told to use. Default: the bound `host:port`. */
  advertise?: string;
  /** A name for logs and the worker list. Default: hostname/pid. */
  name?: string;
  /**
   * Serve Prometheus metrics at `GET /metrics`, and the probes `GET /healthz` and `GET /readyz`,
   * on this port (same host; 0: any free). Default: none.
   */
  metricsPort?: number;
  /** Credentials towards the coordinator. Default insecure. */
  credentials?: grpc.ChannelCredentials;
  /** Credentials of the Ingest server. Default insecure. */
  serverCredentials?: grpc.ServerCredentials;
  /** Rows per read of a shard's ingest channel. Default 500. */
  batchSize?: number;
  /** WAIT timeout at checkpoints of tables with waitReplicas. Default 5000 ms. */
  waitTimeoutMs?: number;
  /** Rows a shard's ingest channel queues before producers wait. Default 10 000. */
  bufferRows?: number;
  /** Longest pause between reconnection attempts to the coordinator. Default 2000 ms. */
  maxReconnectDelayMs?: number;
  /** Where the worker logs (registration, shards started and failed). Default: nowhere. */
  logger?: LaminarLogger;
}

/** A running worker. */
export interface WorkerHandle extends Readiness {
  /** Where producers reach this worker's Ingest service. */
  readonly ingestAddress: string;
  /** The id the coordinator gave the current session (undefined while not registered). */
  readonly id: string | undefined;
  /** `host:port` of the metrics endpoint (with `metricsPort`). */
  readonly metricsAddress: string | undefined;
  /** Resolves once registered with the coordinator (the first time). */
  readonly registered: Promise<string>;
  /** Ready while registered with the coordinator and its session is up (what `/readyz` says). */
  ready(): ReadinessState;
  /** Stops every hosted shard and pipeline, leaves the coordinator, closes the server. */
  stop(): Promise<void>;
}

/**
 * Starts a worker: an Ingest gRPC server for producers, and a session with the coordinator over
 * `Coordination.Register` that carries heartbeats, shard and pipeline assignments, barriers and
 * commits. When the session ends (coordinator restarted or unreachable, or this worker declared
 * lost), everything hosted stops — the coordinator has reassigned it, and the epoch fences refuse
 * late writes — and the worker registers again with backoff, as a new session.
 */
export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  const worker = new Worker(options);
  await worker.listen();
  worker.connect();
  return worker;
}

class Worker implements WorkerHandle, ShardDirectory {
  readonly #o: WorkerOptions;
  readonly #log: Logger;
  /** Producers ping every 20 s (keepalive); allow it. A batch of one large row must fit. */
  readonly #server = new grpc.Server({
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    'grpc.max_receive_message_length': MAX_INGEST_MESSAGE_BYTES,
  });
  readonly #shards = new Map<string, ShardHost>();
  /** Shards still starting, by key: a revocation that arrives meanwhile is applied once started. */
  readonly #starting = new Map<string, { epoch: number; revoked: boolean }>();
  readonly #pipelines = new Map<string, PipelineHost>();
  /** The coordinator entries as given (addresses, or names that stand for several). */
  readonly #entries: string[];
  /** This round's addresses (the entries resolved); {@link #current} indexes the one in use. */
  #endpoints: CoordinatorEndpoint[] = [];
  #current = 0;
  /** The leader a standby named: registered with next, before the round goes on. */
  #hint: string | undefined;
  /** The address of the session being started or up. */
  #address = '';
  /** That session was started with the named leader: its own hint is not followed (no loops). */
  #followed = false;
  /** One client per address dialed, kept while it is in the round. */
  readonly #clients = new Map<string, CoordinationClient>();
  #call: grpc.ClientDuplexStream<WorkerMessage, CoordinatorMessage> | null = null;
  #heartbeat: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #attempt = 0;
  #stopped = false;
  /** The state store of the first coordinator that welcomed this worker. */
  #stateId: string | undefined;
  /** Set when a coordinator of another state store welcomed it: it does not register again. */
  #refused: StateMismatchError | undefined;
  /** Why the worker stopped registering, for `/readyz`: it will not be ready again by itself. */
  #gaveUp: ReadinessState | undefined;
  #registered!: (id: string) => void;
  ingestAddress = '';
  metricsAddress: string | undefined;
  #metrics: MetricsServer | undefined;
  id: string | undefined;
  readonly registered: Promise<string>;

  constructor(options: WorkerOptions) {
    this.#o = options;
    this.#log = childLogger(options.logger ?? SILENT_LOGGER, { component: 'worker' });
    const entries = addressList(options.coordinator);
    this.#entries = entries.length === 0 ? [options.coordinator] : entries;
    this.registered = new Promise((resolve) => (this.#registered = resolve));
    this.registered.catch(() => {});
  }

  get(tableId: string, shard: number): HostedShard | undefined {
    const host = this.#shards.get(shardKey(tableId, shard));
    if (host !== undefined) return host;
    // A pipeline's ingest source: "<pipeline id>/<source>", one shard.
    const cut = tableId.indexOf('/');
    if (cut < 0 || shard !== 0) return undefined;
    return this.#pipelines.get(tableId.slice(0, cut))?.hosted(tableId.slice(cut + 1));
  }

  async listen(): Promise<void> {
    const host = this.#o.host ?? '127.0.0.1';
    assertBindAllowed(host, this.#o.token);
    this.#server.addService(
      IngestService,
      createIngestService(this, { logger: this.#log, token: this.#o.token }),
    );
    const port = await bindServer(
      this.#server,
      host,
      this.#o.port ?? 0,
      this.#o.serverCredentials ?? grpc.ServerCredentials.createInsecure(),
    );
    if (!raiseReceiveWindow(this.#server, INGEST_WINDOW_BYTES)) {
      this.#log.warn('cannot raise the HTTP/2 receive window of the ingest server; producers may wait on it');
    }
    this.ingestAddress = this.#o.advertise ?? `${host.includes(':') ? `[${host}]` : host}:${port}`;
    if (this.#o.metricsPort !== undefined) {
      this.#metrics = await startMetricsServer({
        host,
        port: this.#o.metricsPort,
        token: this.#o.token,
        readiness: this,
      });
      this.metricsAddress = this.#metrics.address;
    }
  }

  ready(): ReadinessState {
    if (this.#stopped) return STOPPING;
    if (this.#gaveUp !== undefined) return this.#gaveUp;
    // The id is set by the coordinator's welcome and cleared when that session ends.
    return this.id === undefined ? UNREGISTERED : READY;
  }

  connect(): void {
    if (this.#stopped) return;
    void this.#dial().catch((err: unknown) => {
      this.#log.error({ err }, 'cannot register with the coordinator');
      this.#sessionEnded(null, null);
    });
  }

  /** The client of `e`, made once while its address stays in the rounds. */
  #client(e: CoordinatorEndpoint): CoordinationClient {
    let client = this.#clients.get(e.address);
    if (client === undefined) {
      // Keepalive: a worker cut off from the coordinator notices within ~15 s and stops writing.
      client = new CoordinationClient(e.address, this.#o.credentials ?? grpc.credentials.createInsecure(), {
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
        'grpc.keepalive_permit_without_calls': 1,
        // A standby starts serving when it takes the lease over: grpc-js's default backoff
        // (1 s growing to 120 s) left the channel to a restarted one refusing calls for seconds.
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 1_000,
        ...endpointChannelOptions(e),
      });
      this.#clients.set(e.address, client);
    }
    return client;
  }

  /** Starts a session with the named leader, else with this round's next address. */
  async #dial(): Promise<void> {
    let endpoint: CoordinatorEndpoint;
    this.#followed = this.#hint !== undefined;
    if (this.#hint !== undefined) {
      endpoint = { address: this.#hint };
      this.#hint = undefined;
    } else {
      if (this.#current === 0 || this.#endpoints.length === 0) {
        this.#endpoints = await expandAddresses(this.#entries);
        this.#current = 0;
        // Addresses no longer behind the names (replaced coordinators) are let go.
        for (const [address, client] of this.#clients) {
          if (!this.#endpoints.some((e) => e.address === address)) {
            client.close();
            this.#clients.delete(address);
          }
        }
      }
      endpoint = this.#endpoints[this.#current];
    }
    if (this.#stopped) return;
    this.#address = endpoint.address;
    const call = this.#client(endpoint).register(bearer(this.#o.token));
    this.#call = call;
    call.on('data', (msg: CoordinatorMessage) => this.#handle(call, msg));
    call.on('error', (err: grpc.ServiceError) => this.#sessionEnded(call, err));
    call.on('end', () => this.#sessionEnded(call, null));
    this.#send({
      kind: {
        $case: 'hello',
        value: {
          name: this.#o.name ?? `${hostname()}/${process.pid}`,
          ingestAddress: this.ingestAddress,
          pid: process.pid,
          version: packageVersion(),
        },
      },
    });
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#retry);
    await this.#stopAll();
    // Deregisters: the coordinator lists this worker as stopped rather than lost.
    this.#send({ kind: { $case: 'goodbye', value: {} } });
    this.#call?.end();
    this.#call = null;
    for (const client of this.#clients.values()) client.close();
    await this.#metrics?.close();
    await new Promise<void>((resolve) => this.#server.tryShutdown(() => resolve()));
    this.#server.forceShutdown();
  }

  #send(msg: WorkerMessage): void {
    const call = this.#call;
    if (call === null || call.writableEnded || call.destroyed) return;
    call.write(msg);
  }

  #handle(call: grpc.ClientDuplexStream<WorkerMessage, CoordinatorMessage>, msg: CoordinatorMessage): void {
    if (call !== this.#call || msg.kind === undefined) return;
    const k = msg.kind;
    switch (k.$case) {
      case 'welcome': {
        const stateId = k.value.stateId;
        if (stateId !== '' && this.#stateId !== undefined && stateId !== this.#stateId) {
          // Two coordinators with different state stores: the work this worker did under the
          // first must not be mixed with the second's, nor checkpointed where the first cannot see.
          this.#refused = new StateMismatchError(this.#stateId, stateId);
          this.#log.error({ err: this.#refused }, 'refusing a coordinator of another state store');
          call.cancel();
          return;
        }
        if (stateId !== '') this.#stateId = stateId;
        this.id = k.value.workerId;
        this.#attempt = 0;
        this.#log.info({ worker: this.id, ingest: this.ingestAddress }, 'registered with the coordinator');
        clearInterval(this.#heartbeat);
        this.#heartbeat = setInterval(
          () => this.#send({ kind: { $case: 'heartbeat', value: { sentAtMs: Date.now() } } }),
          k.value.heartbeatIntervalMs || DEFAULT_HEARTBEAT_MS,
        );
        this.#heartbeat.unref();
        this.#registered(this.id);
        return;
      }
      case 'assignShard':
        void this.#assign(k.value);
        return;
      case 'revokeShard': {
        const key = shardKey(k.value.tableId, k.value.shard);
        const starting = this.#starting.get(key);
        if (starting !== undefined && starting.epoch === k.value.epoch) {
          starting.revoked = true;
          return;
        }
        const host = this.#shards.get(key);
        if (host === undefined || host.epoch !== k.value.epoch) return;
        this.#shards.delete(key);
        void host.stop().then(() => this.#confirmStopped(host));
        return;
      }
      case 'barrier':
        for (const host of this.#shards.values())
          if (host.tableId === k.value.tableId) host.injectBarrier(k.value.barrierId);
        return;
      case 'committed':
        for (const [shard, position] of Object.entries(k.value.positions)) {
          this.#shards.get(shardKey(k.value.tableId, Number(shard)))?.committed(position);
        }
        return;
      case 'assignPipeline':
        this.#assignPipeline(k.value);
        return;
      case 'stopPipeline':
        void this.#pipelines.get(k.value.pipelineId)?.stop();
        return;
      case 'checkpointPipeline':
        this.#pipelines.get(k.value.pipelineId)?.checkpoint(k.value.requestId);
        return;
    }
  }

  async #assign(a: AssignShard): Promise<void> {
    const key = shardKey(a.tableId, a.shard);
    // The session that gave the assignment: if it ends while the shard starts, the shard is not ours.
    const session = this.#call;
    const fail = (err: unknown) =>
      this.#send({
        kind: {
          $case: 'shardFailed',
          value: {
            tableId: a.tableId,
            shard: a.shard,
            epoch: a.epoch,
            code: errorCode(err),
            message: errorMessage(err),
          },
        },
      });
    let table: SinkTable;
    try {
      table = validateTable((a.definition as { model: SinkTable }).model);
    } catch (err) {
      fail(err);
      return;
    }
    const host = new ShardHost({
      tableId: a.tableId,
      table,
      shard: a.shard,
      shards: a.shards,
      epoch: a.epoch,
      position: a.position === '' ? undefined : a.position,
      batchSize: this.#o.batchSize ?? DEFAULT_READ_BATCH,
      waitTimeoutMs: this.#o.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
      bufferRows: this.#o.bufferRows,
      onBarrierDone: (d) =>
        this.#send({
          kind: {
            $case: 'barrierDone',
            value: {
              tableId: a.tableId,
              shard: a.shard,
              epoch: a.epoch,
              barrierId: d.barrier,
              position: String(d.position),
              declined: d.declined,
            },
          },
        }),
      onCheckpointWanted: () =>
        this.#send({
          kind: {
            $case: 'checkpointWanted',
            value: { tableId: a.tableId, shard: a.shard, epoch: a.epoch },
          },
        }),
      onFailure: (err) => {
        if (this.#shards.get(key) === host) this.#shards.delete(key);
        this.#log.error({ shard: host.name, epoch: a.epoch, err }, 'shard failed');
        fail(err);
      },
      logger: this.#log,
    });
    const previous = this.#shards.get(key);
    const starting = { epoch: a.epoch, revoked: false };
    this.#starting.set(key, starting);
    try {
      if (previous !== undefined) await previous.stop();
      await host.start();
    } catch (err) {
      this.#log.error({ shard: host.name, err }, 'shard could not start');
      fail(err);
      return;
    } finally {
      if (this.#starting.get(key) === starting) this.#starting.delete(key);
    }
    if (this.#stopped || this.#call === null || this.#call !== session) {
      await host.stop();
      return;
    }
    if (starting.revoked) {
      await host.stop();
      this.#confirmStopped(host);
      return;
    }
    this.#shards.set(key, host);
    this.#log.info({ shard: host.name, epoch: a.epoch }, 'shard started');
    this.#send({
      kind: { $case: 'shardStarted', value: { tableId: a.tableId, shard: a.shard, epoch: a.epoch } },
    });
  }

  /** Tells the coordinator a revoked shard stopped. */
  #confirmStopped(host: ShardHost): void {
    this.#send({
      kind: { $case: 'shardStopped', value: { tableId: host.tableId, shard: host.shard, epoch: host.epoch } },
    });
  }

  #assignPipeline(a: AssignPipeline): void {
    const previous = this.#pipelines.get(a.pipelineId);
    if (previous !== undefined) return;
    const host = new PipelineHost({
      assignment: a,
      logger: this.#log,
      onEvent: (e) => {
        const listed = this.#pipelines.get(a.pipelineId) === host;
        if (e.event === 'finished' || e.event === 'failed' || e.event === 'stopped') {
          if (listed) this.#pipelines.delete(a.pipelineId);
        }
        // A pipeline this worker stopped because it is going away itself (stop(), a lost session)
        // was taken off the list first. Reporting it "stopped" would end it for good; the
        // coordinator places it again once it sees the worker gone.
        if (e.event === 'stopped' && !listed) return;
        this.#send({ kind: { $case: 'pipelineEvent', value: e } });
      },
    });
    this.#pipelines.set(a.pipelineId, host);
    host.start();
  }

  #sessionEnded(
    call: grpc.ClientDuplexStream<WorkerMessage, CoordinatorMessage> | null,
    err: grpc.ServiceError | null,
  ) {
    if (call !== this.#call) return;
    this.#call = null;
    clearInterval(this.#heartbeat);
    const wasId = this.id;
    this.id = undefined;
    if (this.#stopped) return;
    if (this.#refused !== undefined) {
      this.#gaveUp = STORE_REFUSED;
      void this.#stopAll();
      return;
    }
    if (err?.code === grpc.status.UNAUTHENTICATED) {
      this.#log.error({ err: err.details }, 'the coordinator refused the token; not retrying');
      this.#gaveUp = TOKEN_REFUSED;
      void this.#stopAll();
      return;
    }
    this.#log.warn(
      { worker: wasId, reason: err?.details ?? 'stream ended' },
      'coordinator session ended; stopping hosted work and registering again',
    );
    // A standby names the leader: register there next (once: a leader named by the leader named
    // is not followed). Otherwise, with several coordinators, the next may be the one that holds
    // the lease now — but a lost session with a named leader asks the coordinator that named it
    // again: that one may lead now. A named leader that never answered (a stale or wrong
    // advertised address) is passed over like any other.
    const hint = leaderHint(err);
    const follow = hint !== undefined && hint !== this.#address && !this.#followed;
    if (follow) this.#hint = hint;
    else if (!this.#followed || wasId === undefined) {
      this.#current = (this.#current + 1) % Math.max(1, this.#endpoints.length);
    }
    void this.#stopAll().then(() => {
      if (this.#stopped) return;
      const max = this.#o.maxReconnectDelayMs ?? 2_000;
      // Back off once per round of the addresses: the next one may be the standby that leads now,
      // and waiting before asking it would add the whole backoff to a failover.
      const delay =
        follow || this.#current !== 0
          ? 50
          : Math.min(max, 100 * 2 ** Math.min(this.#attempt++, 5)) * (0.5 + Math.random() / 2);
      this.#retry = setTimeout(() => this.connect(), delay);
      this.#retry.unref?.();
    });
  }

  async #stopAll(): Promise<void> {
    const shards = [...this.#shards.values()];
    this.#shards.clear();
    const pipelines = [...this.#pipelines.values()];
    this.#pipelines.clear();
    await Promise.all([...shards.map((s) => s.stop()), ...pipelines.map((p) => p.stop())]);
  }
}

function shardKey(tableId: string, shard: number): string {
  return `${tableId}/${shard}`;
}
