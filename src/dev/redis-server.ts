/**
 * Private `redis-server` processes, for tests, benchmarks and the CLI when nothing answers at the
 * configured address.
 *
 * Each server gets its own working directory holding `redis.conf` (written by us), `redis.log` and
 * `stdio.log`. Servers never persist data, bind one loopback address, and are killed if this Node
 * process goes away before it stopped them.
 *
 * Needs redis-server 7.0 or later (`cluster-port`, `enable-debug-command`), built with TLS for `tls`.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServerError } from './errors.js';
import { findFreePort } from './free-port.js';
import {
  type RedisServerOptions,
  renderConfig,
  type ServerSettings,
  serverSettings,
} from './server-config.js';
import { type Guarded, guard, unguard } from './server-guard.js';
import { exited, isAlive, launchServer } from './server-launch.js';
import { LOG_TAIL_LINES, redisLogTail } from './server-log.js';

export type { RedisServerOptions } from './server-config.js';

/** How long `stop()` waits after SIGTERM before it sends SIGKILL. */
export const STOP_GRACE_MS = 5_000;
/** Starts tried with fresh ports when another process took the port first. */
const PORT_ATTEMPTS = 5;

export interface RedisServer {
  host: string;
  port: number;
  /** `redis://127.0.0.1:PORT`, `rediss://...` with TLS, IPv6 hosts in brackets. */
  url: string;
  /** Pid of the current process; changes on `restart()`. */
  readonly pid: number;
  /** Working directory (config, logs, `nodes.conf`). */
  dir: string;
  /** Cluster bus port, for cluster nodes. */
  busPort?: number;
  /** SIGTERM, then SIGKILL after {@link STOP_GRACE_MS}; removes a temporary directory. Idempotent. */
  stop(): Promise<void>;
  /** Sends a signal (default SIGKILL) to the process, e.g. SIGSTOP/SIGCONT for fault tests. */
  kill(signal?: NodeJS.Signals): void;
  /** Starts the server again on the same port and directory, killing the old process if it still runs. */
  restart(): Promise<void>;
  /** The last lines of the server's log, for failure messages. */
  logTail(lines?: number): Promise<string>;
}

/** Starts a redis-server and resolves once it accepts connections. */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const s = serverSettings(opts);
  const ownsDir = s.dir === undefined;
  const dir = s.dir ?? (await mkdtemp(join(tmpdir(), 'laminar-redis-')));
  await mkdir(dir, { recursive: true });
  try {
    for (let attempt = 1; ; attempt++) {
      const port = s.port ?? (await findFreePort(s.host));
      const busPort = s.cluster ? await findFreePort(s.host, [port]) : undefined;
      await writeFile(join(dir, 'redis.conf'), renderConfig(s, dir, port, busPort));
      try {
        const child = await launchServer(dir, s.host, port, s.args, s.tls !== undefined);
        return new RedisServerProcess(s, dir, ownsDir, port, busPort, child);
      } catch (err) {
        // findFreePort only saw the port free; someone may have bound it before redis-server did.
        const retry = err instanceof RedisServerError && err.addressInUse && s.port === undefined;
        if (!retry || attempt === PORT_ATTEMPTS) throw err;
      }
    }
  } catch (err) {
    if (ownsDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

class RedisServerProcess implements RedisServer, Guarded {
  readonly host: string;
  readonly url: string;
  #child: ChildProcess;
  #stopping: Promise<void> | undefined;

  constructor(
    private readonly settings: ServerSettings,
    readonly dir: string,
    private readonly ownsDir: boolean,
    readonly port: number,
    readonly busPort: number | undefined,
    child: ChildProcess,
  ) {
    this.host = settings.host;
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    this.url = `${settings.tls === undefined ? 'redis' : 'rediss'}://${host}:${port}`;
    this.#child = child;
    guard(this);
  }

  get killOnSignals(): boolean {
    return this.settings.killOnSignals;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (isAlive(this.#child)) this.#child.kill(signal);
  }

  async restart(): Promise<void> {
    if (this.#stopping !== undefined) throw new RedisServerError('restart() after stop()', this.port, '');
    this.kill('SIGKILL');
    await exited(this.#child);
    const { host, args, tls } = this.settings;
    this.#child = await launchServer(this.dir, host, this.port, args, tls !== undefined);
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const child = this.#child;
    if (isAlive(child)) {
      child.kill('SIGTERM');
      // A SIGSTOPped server only handles SIGTERM once it runs again.
      child.kill('SIGCONT');
      if (!(await exited(child, STOP_GRACE_MS))) {
        child.kill('SIGKILL');
        await exited(child);
      }
    }
    unguard(this);
    if (this.ownsDir) await rm(this.dir, { recursive: true, force: true });
  }

  /** Last resort on process exit: synchronous, so it works from an 'exit' listener. */
  killNow(): void {
    this.kill('SIGKILL');
    if (this.ownsDir) {
      try {
        rmSync(this.dir, { recursive: true, force: true });
      } catch {
        // The dying server may still be writing; a leftover temp dir is harmless.
      }
    }
  }

  logTail(lines = LOG_TAIL_LINES): Promise<string> {
    return redisLogTail(this.dir, lines);
  }
}
