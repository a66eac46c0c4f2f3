import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CoordinatorHandle,
  type CoordinatorOptions,
  startCoordinator,
} from '../coordinator/coordinator.js';
import { isLogLevel, type LaminarLogger, SILENT_LOGGER } from '../log.js';
import { ConfigError } from '../resp/errors.js';
import { startWorker, type WorkerHandle, type WorkerOptions } from '../worker/worker.js';
import { producerIngest } from './http-ingest-producers.js';

/**
 * Where workers run:
 * - `embedded`: in this process (default; `laminar-redis start` and embedding);
 * - `process`: the coordinator spawns local worker processes (`laminar-redis worker`) and
 *   restarts one that exits;
 * - `external`: workers are started elsewhere and register themselves.
 */
export type SchedulerMode = 'embedded' | 'process' | 'external';

/**
 * Options of {@link startRuntime}: the coordinator's, with defaults for embedding (any free ports)
 * and a data directory to name, plus the workers'.
 */
export interface RuntimeOptions extends Omit<CoordinatorOptions, 'dataDir' | 'grpcPort' | 'httpPort'> {
  /**
   * Where the coordinator keeps its metadata and checkpoints, so that a restart resumes; created
   * when missing, and locked while the runtime runs. Required unless `temporaryDataDir` is set.
   */
  dataDir?: string;
  /**
   * Keep metadata and checkpoints in a new temporary directory that `stop()` removes: for tests
   * and throwaway runs, where nothing needs to survive. Default false; not with `dataDir`.
   */
  temporaryDataDir?: boolean;
  /** gRPC port (Control and Coordination). Default 0: any free port, see `Runtime.grpcAddress`. */
  grpcPort?: number;
  /**
   * HTTP/JSON API port. Default 0: any free port, see `Runtime.httpUrl`; null: no HTTP API.
   */
  httpPort?: number | null;
  /** Workers to start (embedded and process modes). Default 1. */
  workers?: number;
  mode?: SchedulerMode;
  /** Options of embedded workers (coordinator address and token are filled in). */
  worker?: Omit<WorkerOptions, 'coordinator' | 'token'>;
}

/** A running coordinator with its workers; `await using` stops it at the end of the scope. */
export interface Runtime extends AsyncDisposable {
  /** `host:port` the gRPC server is bound to (Control and Coordination): give it to producers. */
  readonly grpcAddress: string;
  /** `host:port` the HTTP/JSON API is bound to (undefined without one). */
  readonly httpAddress: string | undefined;
  /** `http://host:port` of the HTTP/JSON API (undefined without one). */
  readonly httpUrl: string | undefined;
  /** Absolute path of the data directory (a temporary one is removed by `stop()`). */
  readonly dataDir: string;
  readonly coordinator: CoordinatorHandle;
  /** Embedded workers (empty in the other modes). */
  readonly workers: readonly WorkerHandle[];
  /** Worker processes (process mode). */
  readonly processes: readonly ChildProcess[];
  stop(): Promise<void>;
  /** {@link Runtime.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a coordinator and, in `embedded` or `process` mode, its workers. Defaults suit
 * embedding: any free ports (read the bound ones from the returned {@link Runtime}) and no data
 * directory picked for you — name one, or ask for a temporary one. `laminar-redis start` is the
 * operator's form, on the documented ports 9190 and 8000 and `./laminar-data`.
 *
 * @throws ConfigError (`ERR_CONFIG`, option `dataDir`) without `dataDir` or `temporaryDataDir`, or
 *   with both; the coordinator's errors (`ERR_DATA_DIR_LOCKED`, `ERR_LISTEN`, ...).
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const mode = options.mode ?? 'embedded';
  const count = mode === 'external' ? 0 : (options.workers ?? 1);
  const token = options.token ?? (process.env.LAMINAR_API_TOKEN || undefined);
  const logger = options.logger ?? SILENT_LOGGER;
  const data = await openDataDir(options);
  let coordinator: CoordinatorHandle;
  try {
    coordinator = await startCoordinator({
      ...options,
      dataDir: data.path,
      grpcPort: options.grpcPort ?? 0,
      httpPort: options.httpPort === undefined ? 0 : options.httpPort,
      token,
      logger,
      expectedWorkers: options.expectedWorkers ?? (count > 0 ? count : undefined),
      // Its Producers dial this coordinator's gRPC port in plain text: none when that port uses TLS.
      httpIngest:
        options.httpIngest ??
        (options.grpcCredentials === undefined ? producerIngest({ logger }) : undefined),
    });
  } catch (err) {
    await data.remove();
    throw err;
  }
  const workers: WorkerHandle[] = [];
  const processes: ChildProcess[] = [];
  let stopping = false;
  try {
    if (mode === 'embedded') {
      for (let i = 0; i < count; i++) {
        workers.push(
          await startWorker({
            name: `embedded-${i}`,
            logger,
            ...options.worker,
            coordinator: coordinator.grpcAddress,
            token,
          }),
        );
      }
      await Promise.all(workers.map((w) => w.registered));
    } else if (mode === 'process') {
      const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
      const spawnOne = (i: number): void => {
        const child = spawn(
          process.execPath,
          [
            cli,
            'worker',
            '--coordinator',
            coordinator.grpcAddress,
            '--name',
            `process-${i}`,
            ...workerLogLevel(options.logger),
          ],
          {
            stdio: ['ignore', 'inherit', 'inherit'],
            env: { ...process.env, LAMINAR_API_TOKEN: token ?? '' },
          },
        );
        processes[i] = child;
        child.on('exit', (code, signal) => {
          if (stopping) return;
          logger.warn({ worker: `process-${i}`, code, signal }, 'worker process exited; starting another');
          setTimeout(() => {
            if (!stopping) spawnOne(i);
          }, 500).unref();
        });
      };
      for (let i = 0; i < count; i++) spawnOne(i);
    }
  } catch (err) {
    await Promise.all(workers.map((w) => w.stop()));
    await coordinator.stop();
    await data.remove();
    throw err;
  }
  return {
    grpcAddress: coordinator.grpcAddress,
    httpAddress: coordinator.httpAddress,
    httpUrl: coordinator.httpAddress === undefined ? undefined : `http://${coordinator.httpAddress}`,
    dataDir: data.path,
    coordinator,
    workers,
    processes,
    async stop() {
      stopping = true;
      await Promise.all(workers.map((w) => w.stop()));
      for (const p of processes) p.kill('SIGTERM');
      await Promise.all(
        processes.map((p) =>
          p.exitCode !== null || p.signalCode !== null
            ? undefined
            : new Promise<void>((done) => p.once('exit', () => done())),
        ),
      );
      await coordinator.stop();
      await data.remove();
    },
    [Symbol.asyncDispose](this: Runtime) {
      return this.stop();
    },
  };
}

/**
 * `--log-level` for a spawned worker process, which writes JSON lines to the inherited stderr:
 * silent when the runtime has no logger, the logger's own level when it has one (pino's
 * `level`), otherwise the worker's default (`LAMINAR_LOG_LEVEL`, else info).
 */
function workerLogLevel(logger: LaminarLogger | undefined): string[] {
  if (logger === undefined) return ['--log-level', 'silent'];
  const level = (logger as { level?: unknown }).level;
  return isLogLevel(level) ? ['--log-level', level] : [];
}

/** The runtime's data directory: the one given, or a new temporary one that `remove()` deletes. */
async function openDataDir(options: RuntimeOptions): Promise<{ path: string; remove(): Promise<void> }> {
  if (options.temporaryDataDir === true) {
    if (options.dataDir !== undefined) {
      throw new ConfigError('startRuntime: give dataDir or temporaryDataDir, not both', 'dataDir');
    }
    const path = await mkdtemp(join(tmpdir(), 'laminar-runtime-'));
    return { path, remove: () => rm(path, { recursive: true, force: true }) };
  }
  if (options.dataDir === undefined || options.dataDir === '') {
    throw new ConfigError(
      'startRuntime needs a dataDir, where metadata and checkpoints survive restarts, or ' +
        'temporaryDataDir: true for a throwaway one that stop() removes',
      'dataDir',
    );
  }
  return { path: resolve(options.dataDir), remove: async () => {} };
}
