/**
 * Spawning one redis-server process and waiting until it accepts connections. The process runs in
 * its working directory with the `redis.conf` found there; its stdout and stderr go to `stdio.log`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { RedisServerError } from './errors.js';
import { redisProcessId } from './redis-reachable.js';
import { ServerLog } from './server-log.js';

/** How long a start (or restart) may take before it is abandoned. */
export const READY_TIMEOUT_MS = 10_000;
const POLL_MS = 25;
const READY_LINE = /Ready to accept connections/;
const ADDRESS_IN_USE = /Address already in use/;

/** Spawns redis-server in `dir` and resolves with the process once it is ready. */
export async function launchServer(
  dir: string,
  host: string,
  port: number,
  args: string[],
  tls: boolean,
): Promise<ChildProcess> {
  const log = new ServerLog(dir);
  await log.mark();
  const stdio = await open(join(dir, 'stdio.log'), 'a');
  let child: ChildProcess;
  try {
    child = spawn('redis-server', [join(dir, 'redis.conf'), ...args], {
      cwd: dir,
      stdio: ['ignore', stdio.fd, stdio.fd],
    });
  } finally {
    await stdio.close();
  }
  // 'error' means spawn failed (no pid) or a signal could not be sent; never let it go unhandled.
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));
  const failed = async (message: string) => {
    if (isAlive(child)) child.kill('SIGKILL');
    await exited(child);
    const tail = await log.tail();
    return new RedisServerError(message, port, tail, ADDRESS_IN_USE.test(tail));
  };
  if (child.pid === undefined) {
    const err = await spawnError;
    throw new RedisServerError(`cannot run redis-server (is it on PATH?): ${err.message}`, port, '');
  }
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!isAlive(child)) {
      throw await failed(`redis-server on port ${port} exited (${child.exitCode ?? child.signalCode})`);
    }
    if (READY_LINE.test(await log.sinceMark())) return child;
    // Fallback when the log says nothing (e.g. `--logfile ''` in args). Another Redis may hold
    // the port (then ours exits, however slowly on a loaded machine): only an answer from our
    // own process counts. Behind a password the id cannot be read; then our process must at
    // least outlive the answer by one poll.
    if (!tls) {
      const pid = await redisProcessId(host, port, 250);
      if (pid === child.pid) return child;
      if (pid === 'auth') {
        await delay(POLL_MS);
        if (isAlive(child)) return child;
      }
    }
    if (Date.now() > deadline) {
      throw await failed(`redis-server on port ${port} not ready after ${READY_TIMEOUT_MS} ms`);
    }
    await delay(POLL_MS);
  }
}

export const isAlive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Resolves true once the process has exited, or false when `timeoutMs` passes first. */
export function exited(child: ChildProcess, timeoutMs?: number): Promise<boolean> {
  if (!isAlive(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
