/**
 * The distributed runtime as child processes, for multi-process tests: a coordinator and workers
 * started through the transpiled CLI (see job-process.ts), each announcing its addresses as a
 * `{"event":"listening",...}` JSON line on stdout.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { buildCli } from './job-process.js';
import { findFreePort } from './redis.js';

export interface Spawned {
  child: ChildProcess;
  /** The `listening` line's fields. */
  info: Record<string, unknown>;
  /** Everything the process wrote on stderr (logs), for failure reports. */
  stderr: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawns `laminar-redis <args>` and resolves once it announced where it listens. */
export async function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Spawned> {
  const cli = await buildCli();
  const child = spawn(process.execPath, [cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LAMINAR_LOG_LEVEL: 'warn', ...env },
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const o = JSON.parse(line) as Record<string, unknown>;
        if (o.event === 'listening') resolve(o);
      } catch {
        // not an event line
      }
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`laminar-redis ${args[0]} exited (${code ?? signal}) before listening:\n${err}`)),
    );
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    child,
    info,
    stderr: () => err,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A coordinator on free ports, with its data in `dataDir`. */
export function spawnCoordinator(dataDir: string, extra: string[] = [], env?: NodeJS.ProcessEnv) {
  return spawnCli(
    ['coordinator', '--data-dir', dataDir, '--grpc-port', '0', '--http-port', '0', ...extra],
    env,
  );
}

/** A worker registering with the coordinator at `grpc`. */
export function spawnWorker(grpc: string, name: string, env?: NodeJS.ProcessEnv) {
  return spawnCli(['worker', '--coordinator', grpc, '--name', name], env);
}

/** A coordinator that may start as a standby: it announces where it listens only once it leads. */
export interface CoordinatorProcess {
  child: ChildProcess;
  /** `127.0.0.1:PORT`, chosen before it starts. */
  grpc: string;
  http: string;
  /** Resolves once it leads; rejects if it exits first. */
  leading: Promise<void>;
  stderr: () => string;
}

/**
 * `laminar-redis coordinator --state <state>` on ports chosen up front (a standby's addresses
 * must be known before it leads), with `--data-dir dataDir`, `--checkpoint-interval 200` and
 * `extra` options.
 */
export async function spawnCoordinatorOnState(
  dataDir: string,
  state: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<CoordinatorProcess> {
  const cli = await buildCli();
  const [grpcPort, httpPort] = [await findFreePort(), await findFreePort()];
  const child = spawn(
    process.execPath,
    [
      cli,
      'coordinator',
      '--data-dir',
      dataDir,
      '--grpc-port',
      String(grpcPort),
      '--http-port',
      String(httpPort),
      '--state',
      state,
      '--checkpoint-interval',
      '200',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LAMINAR_LOG_LEVEL: 'warn', ...env } },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-100_000);
  });
  const leading = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"event":"listening"')) resolve();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`coordinator exited (${code ?? signal}):\n${err}`)),
    );
  });
  leading.catch(() => {});
  return { child, grpc: `127.0.0.1:${grpcPort}`, http: `127.0.0.1:${httpPort}`, leading, stderr: () => err };
}
