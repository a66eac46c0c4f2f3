/**
 * What a private redis-server is asked to be, and the `redis.conf` that says it. Settings live in a
 * config file rather than on the command line so that a restart reuses them as they were and
 * paths need no shell quoting.
 */
import { join } from 'node:path';
import { ConfigError } from '../resp/errors.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_CLUSTER_NODE_TIMEOUT_MS = 2_000;

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

/** {@link RedisServerOptions} checked, with defaults filled in. */
export interface ServerSettings {
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

export function serverSettings(opts: RedisServerOptions): ServerSettings {
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

/** A redis.conf string argument: quoted, so paths with spaces survive. */
function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function renderConfig(
  s: ServerSettings,
  dir: string,
  port: number,
  busPort: number | undefined,
): string {
  const lines = [
    'daemonize no',
    'save ""',
    'appendonly no',
    `bind ${s.host}`,
    `dir ${quote(dir)}`,
    `logfile ${quote(join(dir, 'redis.log'))}`,
    // Replicas in tests should sync at once, not after the default 5 s wait for more replicas.
    'repl-diskless-sync-delay 0',
    // DEBUG SLEEP and friends are handy in fault tests; `local` only accepts them over loopback.
    'enable-debug-command local',
  ];
  if (s.tls === undefined) {
    lines.push(`port ${port}`);
  } else {
    lines.push(
      'port 0',
      `tls-port ${port}`,
      `tls-cert-file ${quote(s.tls.certFile)}`,
      `tls-key-file ${quote(s.tls.keyFile)}`,
      `tls-ca-cert-file ${quote(s.tls.caFile)}`,
    );
    if (s.tls.authClients !== undefined) lines.push(`tls-auth-clients ${s.tls.authClients}`);
  }
  if (busPort !== undefined) {
    lines.push(
      'cluster-enabled yes',
      'cluster-config-file nodes.conf',
      `cluster-node-timeout ${s.clusterNodeTimeoutMs}`,
      // Default bus port is port + 10000, which may be taken or exceed 65535: pick our own.
      `cluster-port ${busPort}`,
    );
    if (s.tls !== undefined) lines.push('tls-cluster yes', 'tls-replication yes');
  }
  if (s.config !== '') lines.push(s.config);
  return lines.join('\n') + '\n';
}
