import { chmod } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { childLogger, type LaminarLogger, SILENT_LOGGER } from '../log.js';
import { metricsText } from '../metrics/index.js';
import { makePrivateDir, PRIVATE_DIR_MODE } from '../storage/atomic-file.js';
import { openStateStore } from '../storage/open-state-store.js';
import { parseStateLocation } from '../storage/state-location.js';
import { assertBindAllowed } from '../wire/auth.js';
import { type ControlServer, ControlService } from '../wire/gen/laminar/redis/v1/control.js';
import { type CoordinationServer, CoordinationService } from '../wire/gen/laminar/redis/v1/worker.js';
import { bindServer } from '../wire/grpc-util.js';
import { type ProbeServer, startProbeServer } from '../wire/probe-server.js';
import { notReady, READY, type ReadinessState } from '../wire/readiness.js';
import { ServiceGate } from '../wire/service-gate.js';
import { advertisedAddress, parseAdvertiseOptions } from './advertise.js';
import { ControlPlane } from './control-plane.js';
import { createControlService } from './control-service.js';
import { Follower } from './follower.js';
import { startHttpApi } from './http-api.js';
import type { HttpIngest } from './http-ingest.js';
import { MetadataStore } from './metadata-store.js';
import { Orchestrator } from './orchestrator.js';
import { CoordinatorReadiness } from './readiness.js';
import { DEFAULT_LEASE_TTL_MS, holdLease } from './state-lease.js';
import { createCoordinationService } from './worker-service.js';

/**
 * Default ports: the HTTP/JSON API on 8000, where the `curl` examples of the Laminar Redis
 * connector documentation send their bodies; gRPC on 9190.
 */
export const DEFAULT_HTTP_PORT = 8000;
export const DEFAULT_GRPC_PORT = 9190;
export const DEFAULT_DATA_DIR = './laminar-data';
/** What a standby's `/readyz` says while another coordinator holds the state store lease. */
const STANDBY = notReady('standby: waiting for the state store lease');
/** What `/readyz` says once another coordinator took the lease over. */
const LEASE_LOST = notReady('lost the state store lease to another coordinator');

/** The port of a `host:port` this process bound. */
function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

export { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_HEARTBEAT_TIMEOUT_MS } from './orchestrator.js';
export { DEFAULT_LEASE_TTL_MS };

export interface CoordinatorOptions {
  /** Metadata, table checkpoints and pipeline checkpoints. Default `./laminar-data`. */
  dataDir?: string;
  /**
   * Where the coordinator's state lives (docs/state-store.md): a directory (default: `dataDir`)
   * or a Redis state store, `redis://[user:password@]host:port[?store=<name>]` (standalone or
   * Cluster; `{{ VAR }}` references resolved from each process's environment). With Redis, the
   * checkpoints of tables and pipelines live there too, so workers need no shared directory.
   */
  state?: string;
  /**
   * Redis state store: the coordinator lease's time to live, ms, renewed every third of it. A
   * coordinator started while another holds the lease waits for it. Default
   * {@link DEFAULT_LEASE_TTL_MS} (2 000).
   */
  leaseTtlMs?: number;
  /**
   * Redis state store: wait for a lease another coordinator holds (a standby). False: fail at
   * once with `ERR_STATE_LEASE_HELD`. Default true.
   */
  standby?: boolean;
  /**
   * Bearer token required on every gRPC call and HTTP request. Default `LAMINAR_API_TOKEN`. Without
   * one, the servers bind only to loopback.
   */
  token?: string;
  /**
   * The host name or IP other processes reach this coordinator at. While it leads, its gRPC and
   * HTTP addresses — this host with the ports it listens on — are recorded beside the state
   * store's lease, and standbys send control calls there (a gRPC status naming it, an HTTP 307).
   * Default: the listen host (`grpcHost`, `httpHost`), unless that is a wildcard (`0.0.0.0`,
   * `::`): then nothing is advertised and standbys answer `ERR_NOT_LEADER` naming no leader. In
   * Kubernetes, pass the pod's IP (docs/deploy.md).
   */
  advertiseHost?: string;
  /** The whole advertised gRPC address, `host:port`, when its port is mapped (a container's `-p`). */
  advertiseGrpc?: string;
  /** The whole advertised HTTP address, `host:port`, when its port is mapped. */
  advertiseHttp?: string;
  /** Default 127.0.0.1. */
  grpcHost?: string;
  /** Default 9190; 0: any free port. */
  grpcPort?: number;
  /** TLS for gRPC. Default insecure. */
  grpcCredentials?: grpc.ServerCredentials;
  /** Default 127.0.0.1. */
  httpHost?: string;
  /** Default 8000; 0: any free port; null: no HTTP API. */
  httpPort?: number | null;
  /** Shards of a table created without a shard count. Default 4. */
  defaultShards?: number;
  /**
   * Directories besides the data directory where pipelines created through the API may read
   * JSON-lines files and keep checkpoints. Default: none (the data directory only).
   */
  allowedDirs?: readonly string[];
  /** Default 1000 ms. */
  checkpointIntervalMs?: number;
  /** Default {@link DEFAULT_HEARTBEAT_INTERVAL_MS} (500 ms). */
  heartbeatIntervalMs?: number;
  /**
   * A silent worker is lost after this long (a killed one at once, its stream closes); stalls of
   * the coordinator's own event loop do not count. Default {@link DEFAULT_HEARTBEAT_TIMEOUT_MS} (10 s).
   */
  heartbeatTimeoutMs?: number;
  /** Place work as soon as this many workers registered (else after `settleMs`). */
  expectedWorkers?: number;
  settleMs?: number;
  /**
   * Serves `POST` of rows over HTTP (docs/http-ingest.md): called once the gRPC server listens,
   * with its address, to make the ingest routes. Default: no ingest routes (`startRuntime` and
   * the CLI give them, sending through Producers).
   */
  httpIngest?: (grpc: { address: string; token: string | undefined }) => HttpIngest;
  /**
   * Where the coordinator logs (workers registered, tables placed, failures). Default: nowhere;
   * pass a pino logger or any {@link LaminarLogger}.
   */
  logger?: LaminarLogger;
}

/** A running coordinator. */
export interface CoordinatorHandle {
  /** `host:port` of the gRPC server (Control and Coordination services). */
  readonly grpcAddress: string;
  /** `host:port` of the HTTP/JSON API (undefined without one). */
  readonly httpAddress: string | undefined;
  readonly plane: ControlPlane;
  /** The state store's identity (workers refuse a coordinator of another store). */
  readonly stateId: string;
  /**
   * Resolves once this coordinator stepped down: another coordinator took the state store lease
   * over, so this one stopped its orchestration, closed its worker sessions (workers move to the
   * new leader) and its gRPC server. Its HTTP API still answers, 503 on `/readyz`, until
   * {@link CoordinatorHandle.stop}; the CLI then exits so a supervisor restarts it as a standby.
   * Never resolves for a local state store.
   */
  readonly steppedDown: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a coordinator: the metadata store (survives restarts), the orchestrator (worker
 * sessions, placement, table checkpoints, pipelines), the gRPC server with the Control and
 * Coordination services, and the HTTP/JSON API with `/metrics`.
 */
export async function startCoordinator(options: CoordinatorOptions = {}): Promise<CoordinatorHandle> {
  const root = options.logger ?? SILENT_LOGGER;
  // Parts with a `component` of their own derive from the root: pino repeats a key bound twice.
  const logger = childLogger(root, { component: 'coordinator' });
  const token = options.token ?? (process.env.LAMINAR_API_TOKEN || undefined);
  const grpcHost = options.grpcHost ?? '127.0.0.1';
  const httpHost = options.httpHost ?? '127.0.0.1';
  assertBindAllowed(grpcHost, token);
  if (options.httpPort !== null) assertBindAllowed(httpHost, token);
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  await makePrivateDir(dataDir);
  // It holds connection passwords: owner only, also when an older version created it wider.
  await chmod(dataDir, PRIVATE_DIR_MODE).catch((err: unknown) =>
    logger.warn({ err, dataDir }, 'cannot make the data directory private (owner only)'),
  );
  const advertise = parseAdvertiseOptions(options);
  const location = parseStateLocation(options.state ?? dataDir);
  const state = await openStateStore(location, { logger });
  // Workers ping every 10 s (keepalive); allow it.
  const server = new grpc.Server({
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  });
  // Until this coordinator leads, its services send callers to the leader (follower.ts); the
  // same server serves them once it leads, so a standby's port never changes.
  const follower = new Follower({ lease: state.lease, token, logger });
  const control = new ServiceGate<ControlServer>(ControlService, follower.grpcRefusal);
  const coordination = new ServiceGate<CoordinationServer>(CoordinationService, follower.grpcRefusal);
  server.addService(ControlService, control.handlers);
  server.addService(CoordinationService, coordination.handlers);
  let grpcPort: number | undefined;
  const bindGrpc = async (): Promise<number> => {
    grpcPort ??= await bindServer(
      server,
      grpcHost,
      options.grpcPort ?? DEFAULT_GRPC_PORT,
      options.grpcCredentials ?? grpc.ServerCredentials.createInsecure(),
    );
    return grpcPort;
  };
  // One coordinator per state store: a second would erase the first's metadata and reuse its
  // epochs, which fences rely on. Locally the lease is the directory lock (a second coordinator
  // is refused); in Redis a second waits for the lease, and takes over when it lapses.
  let lease: Awaited<ReturnType<typeof holdLease>>;
  // A standby answers its probes while it waits (alive, not ready) on the HTTP API's port.
  let probes: ProbeServer | undefined;
  // Set when another coordinator took the lease over: this one is no longer ready (its writes are
  // refused by the epoch fence), so traffic goes to the new leader.
  let leadership: ReadinessState = READY;
  // Set once the servers exist: a lease lost before that steps down as soon as they do.
  let stepDown: (() => void) | undefined;
  let lost = false;
  let steppedDown!: () => void;
  const steppedDownPromise = new Promise<void>((resolve) => {
    steppedDown = resolve;
  });
  try {
    lease = await holdLease(state, {
      ttlMs: options.leaseTtlMs,
      wait: options.standby,
      logger,
      onLost: () => {
        leadership = LEASE_LOST;
        lost = true;
        stepDown?.();
      },
      onWaiting: async () => {
        const port = await bindGrpc();
        if (options.httpPort !== null) {
          probes = await startProbeServer({
            host: httpHost,
            port: options.httpPort ?? DEFAULT_HTTP_PORT,
            readiness: { ready: () => STANDBY },
            what: 'HTTP API',
            other: (req, res, path) => follower.answerHttp(req, res, path),
          });
        }
        follower.self = {
          grpc: advertisedAddress(advertise.grpc, advertise.host, grpcHost, port),
          http:
            probes === undefined
              ? undefined
              : advertisedAddress(advertise.http, advertise.host, httpHost, portOf(probes.address)),
        };
      },
    });
  } catch (err) {
    await probes?.close();
    server.forceShutdown();
    await state.close();
    throw err;
  }
  await probes?.close();
  const lock = {
    release: async () => {
      await lease.release();
      await state.close();
    },
  };
  let store: MetadataStore;
  try {
    store = await MetadataStore.openDocument(state.metadata);
  } catch (err) {
    server.forceShutdown();
    await lock.release();
    throw err;
  }
  const orchestrator = new Orchestrator({
    store: {
      nextEpoch: () => store.nextEpoch(),
      listTables: () => store.listTables(),
      listPipelines: () => store.listPipelines(),
      updatePipeline: (id, patch) =>
        store.updatePipeline(id, (cur) => ({ ...cur, ...patch, updatedAtMs: Date.now() })),
    },
    state,
    stateUrl: location.kind === 'redis' ? (options.state as string) : undefined,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs,
    checkpointIntervalMs: options.checkpointIntervalMs,
    expectedWorkers: options.expectedWorkers,
    settleMs: options.settleMs,
    logger: root,
  });
  await orchestrator.open();
  const plane = new ControlPlane({
    store,
    runtime: orchestrator,
    dataDir,
    defaultShards: options.defaultShards,
    allowedDirs: options.allowedDirs?.map((d) => resolve(d)),
    logger,
  });
  control.open(createControlService(plane, { token, logger }));
  coordination.open(createCoordinationService(orchestrator, { token }));
  try {
    await bindGrpc();
  } catch (err) {
    orchestrator.close();
    await lock.release();
    throw err;
  }
  const boundGrpcPort = grpcPort as number;
  // A coordinator whose lease another took must not keep placing work or holding worker sessions:
  // its writes are refused by the epoch fence, and workers only look for the new leader once
  // their stream to this one ends. Its HTTP API sends callers to the new leader from then on.
  let down = false;
  // Leadership between coordinators, once there is any, joins as a part here.
  const readiness = new CoordinatorReadiness([{ ready: () => leadership }]);
  let http: Awaited<ReturnType<typeof startHttpApi>> | undefined;
  const ingest =
    options.httpPort === null
      ? undefined
      : options.httpIngest?.({
          address: `${grpcHost.includes(':') ? `[${grpcHost}]` : grpcHost}:${boundGrpcPort}`,
          token,
        });
  if (options.httpPort !== null) {
    try {
      http = await startHttpApi({
        plane,
        host: httpHost,
        port: options.httpPort ?? DEFAULT_HTTP_PORT,
        token,
        logger,
        metrics: metricsText,
        readiness,
        ingest,
        follower: { active: () => down, answer: (req, res, path) => follower.answerHttp(req, res, path) },
      });
    } catch (err) {
      orchestrator.close();
      server.forceShutdown();
      await lock.release();
      throw err;
    }
  }
  const grpcAddress = `${grpcHost.includes(':') ? `[${grpcHost}]` : grpcHost}:${boundGrpcPort}`;
  const advertised = {
    grpc: advertisedAddress(advertise.grpc, advertise.host, grpcHost, boundGrpcPort),
    http:
      http === undefined
        ? undefined
        : advertisedAddress(advertise.http, advertise.host, httpHost, portOf(http.address)),
  };
  follower.self = advertised;
  if (advertised.grpc === undefined && location.kind === 'redis') {
    logger.warn(
      { grpcHost },
      'listening on a wildcard address without --advertise: standbys cannot send callers to this coordinator',
    );
  }
  try {
    await lease.advertise(advertised);
  } catch (err) {
    // Standbys then answer without naming a leader; the next renewal records it again.
    logger.warn({ err }, 'cannot record the advertised addresses beside the state store lease');
  }
  stepDown = () => {
    if (down) return;
    down = true;
    logger.warn({ epoch: lease.epoch }, 'stepping down: another coordinator holds the state store lease');
    orchestrator.close();
    server.forceShutdown();
    void Promise.resolve(ingest?.close())
      .catch(() => {})
      .then(() => steppedDown());
  };
  if (lost) stepDown();
  readiness.serving();
  logger.info(
    {
      grpc: grpcAddress,
      http: http?.address,
      dataDir,
      state: state.where,
      epoch: lease.epoch,
      auth: token !== undefined,
    },
    'coordinator started',
  );
  return {
    grpcAddress,
    httpAddress: http?.address,
    plane,
    stateId: state.id,
    steppedDown: steppedDownPromise,
    async stop() {
      readiness.stopping();
      orchestrator.close();
      await http?.close();
      if (!down) {
        // After the HTTP API: no request can be taking rows in any more.
        await ingest?.close();
        await new Promise<void>((done) => server.tryShutdown(() => done()));
        server.forceShutdown();
      }
      // A coordinator that stepped down has nothing it may write: the fence refuses it.
      await (down ? store.flush().catch(() => {}) : store.flush());
      await lock.release();
    },
  };
}
