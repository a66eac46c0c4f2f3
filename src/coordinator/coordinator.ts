import { chmod } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { childLogger, type LaminarLogger, SILENT_LOGGER } from '../log.js';
import { metricsText } from '../metrics/index.js';
import { makePrivateDir, PRIVATE_DIR_MODE } from '../storage/atomic-file.js';
import { lockDataDir } from '../storage/dir-lock.js';
import { assertBindAllowed } from '../wire/auth.js';
import { ControlService } from '../wire/gen/laminar/redis/v1/control.js';
import { CoordinationService } from '../wire/gen/laminar/redis/v1/worker.js';
import { bindServer } from '../wire/grpc-util.js';
import { ControlPlane } from './control-plane.js';
import { createControlService } from './control-service.js';
import { startHttpApi } from './http-api.js';
import { MetadataStore } from './metadata-store.js';
import { Orchestrator } from './orchestrator.js';
import { CoordinatorReadiness } from './readiness.js';
import { createCoordinationService } from './worker-service.js';

/**
 * Default ports: the HTTP/JSON API on 8000, where the `curl` examples of the Laminar Redis
 * connector documentation send their bodies; gRPC on 9190.
 */
export const DEFAULT_HTTP_PORT = 8000;
export const DEFAULT_GRPC_PORT = 9190;
export const DEFAULT_DATA_DIR = './laminar-data';
export { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_HEARTBEAT_TIMEOUT_MS } from './orchestrator.js';

export interface CoordinatorOptions {
  /** Metadata, table checkpoints and pipeline checkpoints. Default `./laminar-data`. */
  dataDir?: string;
  /**
   * Bearer token required on every gRPC call and HTTP request. Default `LAMINAR_API_TOKEN`. Without
   * one, the servers bind only to loopback.
   */
  token?: string;
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
  // One coordinator per data directory: a second would erase the first's metadata and reuse
  // its epochs, which fences rely on.
  const lock = await lockDataDir(dataDir);
  let store: MetadataStore;
  try {
    store = await MetadataStore.open(dataDir);
  } catch (err) {
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
    dataDir,
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
  // Workers ping every 10 s (keepalive); allow it.
  const server = new grpc.Server({
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  });
  server.addService(ControlService, createControlService(plane, { token, logger }));
  server.addService(CoordinationService, createCoordinationService(orchestrator, { token }));
  let grpcPort: number;
  try {
    grpcPort = await bindServer(
      server,
      grpcHost,
      options.grpcPort ?? DEFAULT_GRPC_PORT,
      options.grpcCredentials ?? grpc.ServerCredentials.createInsecure(),
    );
  } catch (err) {
    orchestrator.close();
    await lock.release();
    throw err;
  }
  // Leadership between coordinators, once there is any, joins as a part here.
  const readiness = new CoordinatorReadiness();
  let http: Awaited<ReturnType<typeof startHttpApi>> | undefined;
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
      });
    } catch (err) {
      orchestrator.close();
      server.forceShutdown();
      await lock.release();
      throw err;
    }
  }
  const grpcAddress = `${grpcHost.includes(':') ? `[${grpcHost}]` : grpcHost}:${grpcPort}`;
  readiness.serving();
  logger.info(
    { grpc: grpcAddress, http: http?.address, dataDir, auth: token !== undefined },
    'coordinator started',
  );
  return {
    grpcAddress,
    httpAddress: http?.address,
    plane,
    async stop() {
      readiness.stopping();
      orchestrator.close();
      await http?.close();
      await new Promise<void>((done) => server.tryShutdown(() => done()));
      server.forceShutdown();
      await store.flush();
      await lock.release();
    },
  };
}
