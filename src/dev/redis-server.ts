/**
 * Private `redis-server` processes for tests, the demo and benchmarks.
 *
 * Each server gets its own working directory holding `redis.conf` (written by us), `redis.log` and
 * `stdio.log` (what the process printed before its log file was open, e.g. config errors). Servers
 * never persist data, bind one loopback address, and are killed if this Node process goes away
 * before it stopped them. Settings live in the config file rather than on the command line so that
 * `restart()` reuses them as they were and paths need no shell quoting.
 *
 * Needs redis-server 7.0 or later (`cluster-port`, `enable-debug-command`), built with TLS for `tls`.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LaminarError } from '../errors.js';
import { ConfigError } from '../resp/errors.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_CLUSTER_NODE_TIMEOUT_MS = 2_000;
/** How long a start (or restart) may take before it is abandoned. */
export const READY_TIMEOUT_MS = 10_000;
/** How long `stop()` waits after SIGTERM before it sends SIGKILL. */
export const STOP_GRACE_MS = 5_000;
/** Starts tried with fresh ports when another process took the port first. */
const PORT_ATTEMPTS = 5;
const POLL_MS = 25;
const LOG_TAIL_LINES = 30;
const READY_LINE = /Ready to accept connections/;
const ADDRESS_IN_USE = /Address already in use/;

export interface RedisServerOptions {
  /** Loopback address to bind, `127.0.0.1` or `::1`. Default `127.0.0.1`. */
  host?: string;
  /** Port to listen on (the TLS port with `tls`). Default: a free port. */
  port?: number;
  /** Extra command-line arguments, applied after the config file, e.g. `['--maxmemory', '10mb']`. */
  args?: string[];
  /** Extra `redis.conf` text appended to ours, e.g. ACL `user` lines. */
  config?: string;
  /** Serve TLS only: `port` becomes the TLS port and the plain port is disabled. */
  tls?: {
    certFile: string;
    keyFile: string;
    caFile: string;
    /** `tls-auth-clients`. Default: Redis's own default, `yes` (clients must present a certificate). */
    authClients?: 'no' | 'optional' | 'yes';
  };
  /** `cluster-enabled yes` with the node's own `nodes.conf` and a bus port of its own. Default false. */
  cluster?: boolean;
  /** `cluster-node-timeout` in ms. Default {@link DEFAULT_CLUSTER_NODE_TIMEOUT_MS}. */
  clusterNodeTimeoutMs?: number;
  /** Working directory. Default: a new temporary directory, removed by `stop()`. */
  dir?: string;
  /**
   * Kill the server when this process gets SIGINT, SIGTERM or SIGHUP. Default true. False when
   * the caller handles those signals and stops the server itself (e.g. after a graceful stop of
   * what writes to it); the server is still killed when the process exits, or when a signal
   * ends it because nothing else handles that signal.
   */
  killOnSignals?: boolean;
}

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

/** redis-server failed to start (or restart); the message ends with the tail of its log. */
export class RedisServerError extends LaminarError {
  constructor(
    message: string,
    readonly port: number,
    readonly log: string,
    /** The port was taken by another process: a start with a fresh port may succeed. */
    readonly addressInUse = false,
  ) {
    super('ERR_REDIS_SERVER', log === '' ? message : `${message}\n--- redis-server log ---\n${log}`);
  }
}

interface ParsedOptions {
  host: string;
  port: number | undefined;
  args: string[];
  config: string;
  tls: RedisServerOptions['tls'];
  cluster: boolean;
  clusterNodeTimeoutMs: number;
  dir: string | undefined;
  killOnSignals: boolean;
}

function parseOptions(opts: RedisServerOptions): ParsedOptions {
  const port = opts.port;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new ConfigError(`invalid port ${port}`, 'port');
  }
  const timeout = opts.clusterNodeTimeoutMs ?? DEFAULT_CLUSTER_NODE_TIMEOUT_MS;
  if (!(Number.isInteger(timeout) && timeout > 0)) {
    throw new ConfigError(`invalid clusterNodeTimeoutMs ${timeout}`, 'clusterNodeTimeoutMs');
  }
  return {
    host: opts.host ?? DEFAULT_HOST,
    port,
    args: opts.args ?? [],
    config: opts.config ?? '',
    tls: opts.tls,
    cluster: opts.cluster ?? false,
    clusterNodeTimeoutMs: timeout,
    dir: opts.dir,
    killOnSignals: opts.killOnSignals ?? true,
  };
}

/** Starts a redis-server and resolves once it accepts connections. */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const o = parseOptions(opts);
  const ownsDir = o.dir === undefined;
  const dir = o.dir ?? (await mkdtemp(join(tmpdir(), 'laminar-redis-')));
  await mkdir(dir, { recursive: true });
  try {
    for (let attempt = 1; ; attempt++) {
      const port = o.port ?? (await findFreePort(o.host));
      const busPort = o.cluster ? await findFreePort(o.host, [port]) : undefined;
      await writeFile(join(dir, 'redis.conf'), renderConfig(o, dir, port, busPort));
      try {
        const child = await launch(dir, o.host, port, o.args, o.tls !== undefined);
        return new RedisServerProcess(o, dir, ownsDir, port, busPort, child);
      } catch (err) {
        // findFreePort only saw the port free; someone may have bound it before redis-server did.
        const retry = err instanceof RedisServerError && err.addressInUse && o.port === undefined;
        if (!retry || attempt === PORT_ATTEMPTS) throw err;
      }
    }
  } catch (err) {
    if (ownsDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A port nothing listens on right now (the kernel picks it; `avoid` lists ports not to return). */
export async function findFreePort(host = DEFAULT_HOST, avoid: number[] = []): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen({ host, port: 0, exclusive: true }, () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    if (!avoid.includes(port)) return port;
  }
}

/**
 * Whether a Redis answers on host:port: connects, sends an inline `PING` and expects `+PONG`.
 * `-NOAUTH` counts as reachable (a server requiring a password is up).
 */
export function isRedisReachable(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = '';
    const done = (reachable: boolean) => {
      socket.destroy();
      resolve(reachable);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n');
      if (end !== -1) done(received.startsWith('+PONG') || received.startsWith('-NOAUTH'));
    });
    socket.once('end', () => done(false));
  });
}

/** A redis.conf string argument: quoted, so paths with spaces survive. */
function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function renderConfig(o: ParsedOptions, dir: string, port: number, busPort: number | undefined): string {
  const lines = [
    'daemonize no',
    'save ""',
    'appendonly no',
    `bind ${o.host}`,
    `dir ${quote(dir)}`,
    `logfile ${quote(join(dir, 'redis.log'))}`,
    // Replicas in tests should sync at once, not after the default 5 s wait for more replicas.
    'repl-diskless-sync-delay 0',
    // DEBUG SLEEP and friends are handy in fault tests; `local` only accepts them over loopback.
    'enable-debug-command local',
  ];
  if (o.tls === undefined) {
    lines.push(`port ${port}`);
  } else {
    lines.push(
      'port 0',
      `tls-port ${port}`,
      `tls-cert-file ${quote(o.tls.certFile)}`,
      `tls-key-file ${quote(o.tls.keyFile)}`,
      `tls-ca-cert-file ${quote(o.tls.caFile)}`,
    );
    if (o.tls.authClients !== undefined) lines.push(`tls-auth-clients ${o.tls.authClients}`);
  }
  if (busPort !== undefined) {
    lines.push(
      'cluster-enabled yes',
      'cluster-config-file nodes.conf',
      `cluster-node-timeout ${o.clusterNodeTimeoutMs}`,
      // Default bus port is port + 10000, which may be taken or exceed 65535: pick our own.
      `cluster-port ${busPort}`,
    );
    if (o.tls !== undefined) lines.push('tls-cluster yes', 'tls-replication yes');
  }
  if (o.config !== '') lines.push(o.config);
  return lines.join('\n') + '\n';
}

/** Spawns redis-server in `dir` with the config found there and waits until it is ready. */
async function launch(dir: string, host: string, port: number, args: string[], tls: boolean) {
  const logs = new LogFiles(dir);
  await logs.mark();
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
    const log = await logs.tail();
    return new RedisServerError(message, port, log, ADDRESS_IN_USE.test(log));
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
    if (READY_LINE.test(await logs.sinceMark())) return child;
    // Fallback when the log says nothing (e.g. `--logfile ''` in args). A server that lost the port
    // race exits at once, so a PONG only counts if our process outlives it by one poll.
    if (!tls && (await isRedisReachable(host, port, 250))) {
      await delay(POLL_MS);
      if (isAlive(child)) return child;
    }
    if (Date.now() > deadline) {
      throw await failed(`redis-server on port ${port} not ready after ${READY_TIMEOUT_MS} ms`);
    }
    await delay(POLL_MS);
  }
}

/** The server's log files, read from where they ended when the current process was spawned. */
class LogFiles {
  #marks = new Map<string, number>();
  constructor(private readonly dir: string) {}

  async mark(): Promise<void> {
    for (const name of ['redis.log', 'stdio.log']) {
      this.#marks.set(name, (await readOr(join(this.dir, name))).length);
    }
  }

  async sinceMark(name = 'redis.log'): Promise<string> {
    return (await readOr(join(this.dir, name))).subarray(this.#marks.get(name) ?? 0).toString('utf8');
  }

  async tail(lines = LOG_TAIL_LINES): Promise<string> {
    const text = (await this.sinceMark('stdio.log')) + (await this.sinceMark('redis.log'));
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  }
}

async function readOr(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch {
    return Buffer.alloc(0);
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const isAlive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

function exited(child: ChildProcess, timeoutMs?: number): Promise<boolean> {
  if (!isAlive(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

class RedisServerProcess implements RedisServer {
  readonly host: string;
  readonly url: string;
  #child: ChildProcess;
  #stopping: Promise<void> | undefined;

  constructor(
    private readonly options: ParsedOptions,
    readonly dir: string,
    private readonly ownsDir: boolean,
    readonly port: number,
    readonly busPort: number | undefined,
    child: ChildProcess,
  ) {
    this.host = options.host;
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    this.url = `${options.tls === undefined ? 'redis' : 'rediss'}://${host}:${port}`;
    this.#child = child;
    guard(this);
  }

  get killOnSignals(): boolean {
    return this.options.killOnSignals;
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
    const { host, args, tls } = this.options;
    this.#child = await launch(this.dir, host, this.port, args, tls !== undefined);
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
    return readOr(join(this.dir, 'redis.log')).then((b) =>
      b.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n'),
    );
  }
}

/*
 * Servers must not outlive this process. 'exit' covers normal ends and process.exit(); a plain
 * SIGTERM (how vitest ends its forks) or SIGINT/SIGHUP ends Node without 'exit', so those get a
 * listener too. A listener disables Node's default of terminating; when ours is the only one we
 * re-raise the signal after removing it, so the process still ends as it would have.
 */
const running = new Set<RedisServerProcess>();
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

function killAll(): void {
  for (const server of running) server.killNow();
  running.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  const alone = process.listenerCount(signal) === 1;
  if (!alone) {
    // Another listener keeps the process alive: servers whose owner handles signals stay up.
    for (const server of [...running]) {
      if (!server.killOnSignals) continue;
      server.killNow();
      unguard(server);
    }
    return;
  }
  killAll();
  unguard();
  process.kill(process.pid, signal);
}

function guard(server: RedisServerProcess): void {
  if (running.size === 0) {
    process.on('exit', killAll);
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
  running.add(server);
}

function unguard(server?: RedisServerProcess): void {
  if (server !== undefined) running.delete(server);
  if (running.size === 0) {
    process.off('exit', killAll);
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
}
