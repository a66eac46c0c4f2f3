import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type CoordinatorHandle,
  type CoordinatorOptions,
  startCoordinator,
} from '../coordinator/coordinator.js';
import { isLogLevel, type LaminarLogger, SILENT_LOGGER } from '../log.js';
import { startWorker, type WorkerHandle, type WorkerOptions } from '../worker/worker.js';

/**
 * Where workers run:
 * - `embedded`: in this process (default; `npm start` and embedding);
 * - `process`: the coordinator spawns local worker processes (`laminar-redis worker`) and
 *   restarts one that exits;
 * - `external`: workers are started elsewhere and register themselves.
 */
export type SchedulerMode = 'embedded' | 'process' | 'external';

export interface RuntimeOptions extends CoordinatorOptions {
  /** Workers to start (embedded and process modes). Default 1. */
  workers?: number;
  mode?: SchedulerMode;
  /** Options of embedded workers (coordinator address and token are filled in). */
  worker?: Omit<WorkerOptions, 'coordinator' | 'token'>;
}

/** A running coordinator with its workers; `await using` stops it at the end of the scope. */
export interface Runtime extends AsyncDisposable {
  readonly grpcAddress: string;
  readonly httpAddress: string | undefined;
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
 * Starts a coordinator and, in `embedded` or `process` mode, its workers. Defaults suit embedding
 * and tests: free ports would be a surprise for operators, so the documented ports (HTTP 8000,
 * gRPC 9190) stay the default; pass `grpcPort: 0, httpPort: 0` for any free ones.
 */
export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const mode = options.mode ?? 'embedded';
  const count = mode === 'external' ? 0 : (options.workers ?? 1);
  const token = options.token ?? (process.env.LAMINAR_API_TOKEN || undefined);
  const logger = options.logger ?? SILENT_LOGGER;
  const coordinator = await startCoordinator({
    ...options,
    token,
    logger,
    expectedWorkers: options.expectedWorkers ?? (count > 0 ? count : undefined),
  });
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
    throw err;
  }
  return {
    grpcAddress: coordinator.grpcAddress,
    httpAddress: coordinator.httpAddress,
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
