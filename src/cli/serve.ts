import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { type CoordinatorOptions, startCoordinator } from '../coordinator/coordinator.js';
import { startWorker } from '../worker/worker.js';
import { UsageError } from './error-line.js';
import { producerIngest } from './http-ingest-producers.js';
import { jsonLogger } from './json-logger.js';
import { type SchedulerMode, startRuntime } from './runtime.js';
import { resolveToken, type TokenFlags } from './token.js';

/** Server flags shared by `coordinator` and `start`. */
export interface ServeFlags extends TokenFlags {
  dataDir: string;
  /** `--state`: a directory or a Redis state store URL (default: the data directory). */
  state?: string;
  /** `--lease-ttl`, ms. */
  leaseTtl?: number;
  /** `--allow-dir`, repeatable. */
  allowDir?: string[];
  grpcHost: string;
  grpcPort: number;
  httpHost: string;
  httpPort: number;
  noHttp?: boolean;
  /** `--advertise`, `--advertise-grpc`, `--advertise-http`. */
  advertise?: string;
  advertiseGrpc?: string;
  advertiseHttp?: string;
  tlsCert?: string;
  tlsKey?: string;
  shards: number;
  checkpointInterval: number;
  heartbeatTimeout: number;
}

/** Exit code of a coordinator that stepped down (EX_TEMPFAIL: a supervisor may restart it). */
export const STEPPED_DOWN_EXIT_CODE = 75;

/** Keeps the process up until SIGINT/SIGTERM, then stops gracefully (a second signal exits). */
function untilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const onSignal = (sig: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once(sig, () => process.exit(130));
      stop().then(resolve, reject);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** gRPC server TLS from PEM files (both or neither). */
function serverTls(cert: string | undefined, key: string | undefined): grpc.ServerCredentials | undefined {
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) throw new UsageError('--tls-cert and --tls-key go together');
  return grpc.ServerCredentials.createSsl(null, [
    { cert_chain: readFileSync(cert), private_key: readFileSync(key) },
  ]);
}

async function coordinatorOptions(f: ServeFlags): Promise<CoordinatorOptions> {
  const grpcCredentials = serverTls(f.tlsCert, f.tlsKey);
  const logger = jsonLogger();
  return {
    dataDir: f.dataDir,
    state: f.state,
    leaseTtlMs: f.leaseTtl,
    allowedDirs: f.allowDir,
    token: await resolveToken(f),
    grpcHost: f.grpcHost,
    grpcPort: f.grpcPort,
    grpcCredentials,
    httpHost: f.httpHost,
    httpPort: f.noHttp ? null : f.httpPort,
    advertiseHost: f.advertise,
    advertiseGrpc: f.advertiseGrpc,
    advertiseHttp: f.advertiseHttp,
    defaultShards: f.shards,
    checkpointIntervalMs: f.checkpointInterval,
    heartbeatTimeoutMs: f.heartbeatTimeout,
    logger,
    // The ingest routes' Producers dial this coordinator's gRPC port in plain text: none when that
    // port uses TLS.
    httpIngest: grpcCredentials === undefined ? producerIngest({ logger }) : undefined,
  };
}

/**
 * Prints where the servers listen as one JSON line on stdout (scripts and tests read it). Call it
 * once the signal handlers are in place: a SIGTERM right after the line must stop gracefully.
 */
function announce(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ event: 'listening', ...o })}\n`);
}

/** `laminar-redis coordinator`: the coordinator alone (workers register from elsewhere). */
export async function serveCoordinator(f: ServeFlags): Promise<void> {
  const c = await startCoordinator(await coordinatorOptions(f));
  const stopped = untilSignal(() => c.stop());
  announce({ grpc: c.grpcAddress, http: c.httpAddress ?? null });
  // A coordinator that lost its lease exits (EX_TEMPFAIL) rather than linger without writes: a
  // supervisor restarts it, and it waits as a standby then.
  const lost = c.steppedDown.then(async () => {
    await c.stop();
    process.exit(STEPPED_DOWN_EXIT_CODE);
  });
  await Promise.race([stopped, lost]);
}

export interface WorkerFlags extends TokenFlags {
  coordinator: string;
  host: string;
  port: number;
  advertise?: string;
  name?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  metricsPort?: number;
}

/** `laminar-redis worker`: registers with a coordinator and hosts what it is given. */
export async function serveWorker(f: WorkerFlags): Promise<void> {
  const w = await startWorker({
    coordinator: f.coordinator,
    token: await resolveToken(f),
    host: f.host,
    port: f.port,
    advertise: f.advertise,
    name: f.name,
    metricsPort: f.metricsPort,
    credentials: f.tlsCa === undefined ? undefined : grpc.credentials.createSsl(readFileSync(f.tlsCa)),
    serverCredentials: serverTls(f.tlsCert, f.tlsKey),
    logger: jsonLogger(),
  });
  const stopped = untilSignal(() => w.stop());
  announce({ ingest: w.ingestAddress, metrics: w.metricsAddress ?? null });
  await stopped;
}

/** `laminar-redis start`: a coordinator with embedded (or spawned) workers. */
export async function serveAll(f: ServeFlags & { workers: number; mode: SchedulerMode }): Promise<void> {
  const rt = await startRuntime({ ...(await coordinatorOptions(f)), workers: f.workers, mode: f.mode });
  const stopped = untilSignal(() => rt.stop());
  announce({ grpc: rt.grpcAddress, http: rt.httpAddress ?? null, workers: f.workers, mode: f.mode });
  // As `coordinator`: its embedded workers know no other coordinator, so all of it restarts.
  const lost = rt.coordinator.steppedDown.then(async () => {
    await rt.stop();
    process.exit(STEPPED_DOWN_EXIT_CODE);
  });
  await Promise.race([stopped, lost]);
}
