/**
 * Real Redis servers for integration tests: plain, ACL, TLS and a 3+3 cluster, all started by the
 * suite on free loopback ports. Checks shell out to `redis-cli`, so they never depend on the client
 * under test.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import calculateSlot from 'cluster-key-slot';
import {
  isRedisReachable,
  type RedisServer,
  type RedisServerOptions,
  startRedisServer,
} from '../../src/dev/redis-server.js';

export {
  findFreePort,
  isRedisReachable,
  type RedisServer,
  type RedisServerOptions,
  startRedisServer as startRedis,
} from '../../src/dev/redis-server.js';

export const SLOTS = 16384;

/** Starts a server, runs `fn` against it and always stops it. */
export async function withRedis<T>(
  fn: (server: RedisServer) => Promise<T>,
  opts?: RedisServerOptions,
): Promise<T> {
  const server = await startRedisServer(opts);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// redis-cli

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

type Target = { host: string; port: number };

/** Runs `redis-cli -h host -p port ...args`; resolves with its exit code, never rejects on one. */
export function redisCli(target: Target, args: string[], timeoutMs = 10_000): Promise<CliResult> {
  const argv = ['-h', target.host, '-p', String(target.port), '--no-auth-warning', ...args];
  return new Promise((resolve) => {
    execFile('redis-cli', argv, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr: stderr || (err?.message ?? '') });
    });
  });
}

/** Runs one command with redis-cli (`-e`: error replies fail) and returns its trimmed output. */
export async function cli(target: Target, ...command: string[]): Promise<string> {
  const r = await redisCli(target, ['-e', ...command]);
  if (r.code !== 0) {
    throw new Error(`redis-cli -p ${target.port} ${command.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout.trim();
}

/** `INFO`-style `key:value` lines (CLUSTER INFO, INFO replication) as a record. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) out[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ACL

export interface AclRedis {
  server: RedisServer;
  /** Full access: `on >password ~* &* +@all`. */
  username: string;
  password: string;
  /** Read commands and connection handling only, for NOPERM tests. */
  reader: { username: string; password: string };
}

/** A server whose `default` user is disabled: every connection must AUTH as a named user. */
export async function startAclRedis(opts: RedisServerOptions = {}): Promise<AclRedis> {
  const username = 'laminar';
  const password = 's3cret-pass-xyz';
  const reader = { username: 'reader', password: 'r3ader-pass-xyz' };
  const config = [
    'user default off',
    `user ${username} on >${password} ~* &* +@all`,
    `user ${reader.username} on >${reader.password} ~* &* -@all +@read +@connection`,
    opts.config ?? '',
  ].join('\n');
  const server = await startRedisServer({ ...opts, config });
  return { server, username, password, reader };
}

// ---------------------------------------------------------------------------------------------
// TLS

export interface TlsFiles {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  /** Client certificate and key signed by the CA. */
  certFile: string;
  keyFile: string;
  /** An unrelated CA, and a client certificate it signed. */
  wrongCaFile: string;
  wrongCertFile: string;
  wrongKeyFile: string;
}

export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  wrongCa: Buffer;
  wrongCert: Buffer;
  wrongKey: Buffer;
  files: TlsFiles;
}

/** Runs openssl in `dir`; `command` is split on whitespace, so no argument may contain any. */
function openssl(dir: string, command: string): Promise<void> {
  const args = command.trim().split(/\s+/);
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd: dir }, (err, _stdout, stderr) =>
      err === null ? resolve() : reject(new Error(`openssl ${args[0]} failed: ${stderr}`, { cause: err })),
    );
  });
}

const EC_KEY = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';

function makeCa(dir: string, name: string): Promise<void> {
  return openssl(
    dir,
    `req -x509 ${EC_KEY} -keyout ${name}.key -out ${name}.crt -days 2 -subj /CN=${name}
     -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign`,
  );
}

async function makeLeaf(dir: string, name: string, ca: string, extensions: string[]): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), extensions.join('\n') + '\n');
  await openssl(dir, `req -new ${EC_KEY} -keyout ${name}.key -out ${name}.csr -subj /CN=${name}`);
  const serial = Math.floor(Math.random() * 2 ** 48);
  await openssl(
    dir,
    `x509 -req -in ${name}.csr -CA ${ca}.crt -CAkey ${ca}.key -set_serial ${serial} -days 2
     -extfile ${name}.ext -out ${name}.crt`,
  );
}

/**
 * Generates with `openssl` (EC P-256, valid two days): a CA, a server certificate for
 * 127.0.0.1/::1/localhost, a client certificate, and an unrelated CA with a client certificate of
 * its own. The server certificate also allows clientAuth: Redis presents it on cluster/replication links.
 */
export async function makeTlsMaterial(dir?: string): Promise<TlsMaterial> {
  dir ??= await mkdtemp(join(tmpdir(), 'laminar-tls-'));
  await Promise.all([makeCa(dir, 'ca'), makeCa(dir, 'wrong-ca')]);
  const leaf = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature'];
  await Promise.all([
    makeLeaf(dir, 'server', 'ca', [
      ...leaf,
      'extendedKeyUsage=serverAuth,clientAuth',
      'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
    ]),
    makeLeaf(dir, 'client', 'ca', [...leaf, 'extendedKeyUsage=clientAuth']),
    makeLeaf(dir, 'wrong-client', 'wrong-ca', [...leaf, 'extendedKeyUsage=clientAuth']),
  ]);
  const files: TlsFiles = {
    dir,
    caFile: join(dir, 'ca.crt'),
    serverCertFile: join(dir, 'server.crt'),
    serverKeyFile: join(dir, 'server.key'),
    certFile: join(dir, 'client.crt'),
    keyFile: join(dir, 'client.key'),
    wrongCaFile: join(dir, 'wrong-ca.crt'),
    wrongCertFile: join(dir, 'wrong-client.crt'),
    wrongKeyFile: join(dir, 'wrong-client.key'),
  };
  const [ca, cert, key, wrongCa, wrongCert, wrongKey] = await Promise.all(
    [
      files.caFile,
      files.certFile,
      files.keyFile,
      files.wrongCaFile,
      files.wrongCertFile,
      files.wrongKeyFile,
    ].map((f) => readFile(f)),
  );
  return { ca, cert, key, wrongCa, wrongCert, wrongKey, files };
}

export interface TlsRedis extends TlsMaterial {
  server: RedisServer;
  /** Stops the server and removes the certificates. */
  stop(): Promise<void>;
}

/**
 * A TLS-only server with fresh certificates. `authClients` defaults to `optional` here, so
 * clients with only the CA and clients with a certificate both connect; pass `yes` for mTLS tests.
 */
export async function startTlsRedis(
  opts: RedisServerOptions & { authClients?: 'no' | 'optional' | 'yes' } = {},
): Promise<TlsRedis> {
  const { authClients = 'optional', ...rest } = opts;
  const material = await makeTlsMaterial();
  const { files } = material;
  try {
    const server = await startRedisServer({
      ...rest,
      tls: {
        certFile: files.serverCertFile,
        keyFile: files.serverKeyFile,
        caFile: files.caFile,
        authClients,
      },
    });
    const stop = async () => {
      await server.stop();
      await rm(files.dir, { recursive: true, force: true });
    };
    return { ...material, server, stop };
  } catch (err) {
    await rm(files.dir, { recursive: true, force: true });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Cluster

export interface ClusterNodeInfo {
  id: string;
  host: string;
  port: number;
  /** `host:port`, as clients see it. */
  address: string;
  role: 'master' | 'replica';
  /** The master a replica follows; null for masters. */
  masterId: string | null;
  /** Flagged `fail` (agreed) or `fail?` (suspected by the node asked). */
  failed: boolean;
  connected: boolean;
  /** Inclusive slot ranges served (masters). */
  slots: [number, number][];
  /** Our process for this node. */
  server: RedisServer;
}

export interface ClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** `cluster-node-timeout`; short so failovers happen within a test. Default 1500. */
  nodeTimeoutMs?: number;
  args?: string[];
  config?: string;
}

export interface RedisCluster {
  nodes: RedisServer[];
  /** `127.0.0.1:PORT` of every node, in start order. */
  addresses: string[];
  /** The layout as one live node sees it (`CLUSTER NODES`). */
  topology(): Promise<ClusterNodeInfo[]>;
  /** Masters serving slots. */
  masters(): Promise<ClusterNodeInfo[]>;
  replicas(): Promise<ClusterNodeInfo[]>;
  /** The master serving a slot, or the slot of a key. */
  ownerOf(slotOrKey: number | string): Promise<ClusterNodeInfo>;
  /** Kills the master serving `slotOrKey` (default slot 0) with `signal` (default SIGKILL). */
  killMaster(slotOrKey?: number | string, signal?: NodeJS.Signals): Promise<ClusterNodeInfo>;
  /**
   * Waits until every reachable node says `cluster_state:ok`, all agree on the layout, and every
   * slot is served by a reachable master (i.e. a failover has finished). With `replicas`, every
   * master must also have its replicas attached and in sync.
   */
  waitHealthy(opts?: { replicas?: boolean; timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** `CLUSTER NODES` text to node records; `servers` maps port to our process. */
export function parseClusterNodes(text: string, servers: Map<number, RedisServer>): ClusterNodeInfo[] {
  const nodes: ClusterNodeInfo[] = [];
  for (const line of text.split('\n')) {
    // <id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <epoch> <link> <slot>...
    const f = line.trim().split(' ');
    if (f.length < 8) continue;
    const endpoint = f[1].split('@')[0];
    const colon = endpoint.lastIndexOf(':');
    const host = endpoint.slice(0, colon);
    const port = Number(endpoint.slice(colon + 1));
    const flags = f[2].split(',');
    const server = servers.get(port);
    if (server === undefined) continue;
    const slots: [number, number][] = [];
    for (const s of f.slice(8)) {
      if (s.startsWith('[')) continue; // slot being imported/migrated
      const [a, b] = s.split('-').map(Number);
      slots.push([a, b ?? a]);
    }
    nodes.push({
      id: f[0],
      host,
      port,
      address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
      role: flags.includes('master') ? 'master' : 'replica',
      masterId: f[3] === '-' ? null : f[3],
      failed: flags.includes('fail') || flags.includes('fail?'),
      connected: f[7] === 'connected',
      slots,
      server,
    });
  }
  return nodes;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One node's view reduced to what all nodes must agree on (no epochs, pings or link states). */
function layoutKey(nodes: ClusterNodeInfo[]): string {
  return nodes
    .map((n) => `${n.id} ${n.role} ${n.masterId} ${n.failed} ${n.slots.map((r) => r.join('-')).join(',')}`)
    .sort()
    .join('\n');
}

/**
 * Starts `masters * (1 + replicasPerMaster)` cluster nodes, joins them with
 * `redis-cli --cluster create`, and waits until the cluster is healthy with all replicas in sync.
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<RedisCluster> {
  const { masters = 3, replicasPerMaster = 1, nodeTimeoutMs = 1_500, args, config } = opts;
  const count = masters * (1 + replicasPerMaster);
  const started = await Promise.allSettled(
    Array.from({ length: count }, () =>
      startRedisServer({ cluster: true, clusterNodeTimeoutMs: nodeTimeoutMs, args, config }),
    ),
  );
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  const failure = started.find((r) => r.status === 'rejected');
  if (failure !== undefined) {
    await stop();
    throw failure.reason;
  }
  const byPort = new Map(nodes.map((n) => [n.port, n]));
  const addresses = nodes.map((n) => `${n.host}:${n.port}`);

  const reachable = async () => {
    const up = await Promise.all(nodes.map((n) => isRedisReachable(n.host, n.port, 300)));
    return nodes.filter((_, i) => up[i]);
  };

  const topology = async () => {
    for (const node of await reachable()) {
      const r = await redisCli(node, ['cluster', 'nodes']);
      if (r.code === 0) return parseClusterNodes(r.stdout, byPort);
    }
    throw new Error('no cluster node is reachable');
  };

  const masterNodes = async () => (await topology()).filter((n) => n.role === 'master' && n.slots.length > 0);

  const ownerOf = async (slotOrKey: number | string) => {
    const slot = typeof slotOrKey === 'number' ? slotOrKey : calculateSlot(slotOrKey);
    const owner = (await masterNodes()).find((n) => n.slots.some(([a, b]) => a <= slot && slot <= b));
    if (owner === undefined) throw new Error(`no master serves slot ${slot}`);
    return owner;
  };

  /** Why the cluster is not healthy yet, or null when it is. */
  const unhealthy = async (replicas: boolean): Promise<string | null> => {
    const live = await reachable();
    const liveIds = new Set<string>();
    let layout: string | undefined;
    let view: ClusterNodeInfo[] = [];
    for (const node of live) {
      const info = parseInfo(await cli(node, 'cluster', 'info'));
      if (info.cluster_state !== 'ok') return `${node.port}: cluster_state:${info.cluster_state}`;
      view = parseClusterNodes(await cli(node, 'cluster', 'nodes'), byPort);
      const key = layoutKey(view);
      if (layout !== undefined && key !== layout) return `${node.port}: sees a different layout`;
      layout = key;
    }
    for (const n of view) if (live.includes(n.server)) liveIds.add(n.id);
    let covered = 0;
    for (const m of view) {
      if (m.role !== 'master' || m.slots.length === 0) continue;
      if (!liveIds.has(m.id)) return `master ${m.port} serves slots but is unreachable`;
      for (const [a, b] of m.slots) covered += b - a + 1;
      if (!replicas) continue;
      const attached = view.filter((r) => r.masterId === m.id && liveIds.has(r.id) && !r.failed);
      if (attached.length < replicasPerMaster) return `master ${m.port} has ${attached.length} replicas`;
      for (const r of attached) {
        const link = parseInfo(await cli(r.server, 'info', 'replication')).master_link_status;
        if (link !== 'up') return `replica ${r.port}: master_link_status:${link}`;
      }
    }
    return covered === SLOTS ? null : `${covered} of ${SLOTS} slots served`;
  };

  const waitHealthy = async ({ replicas = false, timeoutMs = 30_000 } = {}) => {
    const deadline = Date.now() + timeoutMs;
    let reason: string | null = 'not checked';
    while (Date.now() < deadline) {
      reason = await unhealthy(replicas).catch((err: Error) => err.message);
      if (reason === null) return;
      await delay(100);
    }
    throw new Error(`cluster not healthy after ${timeoutMs} ms: ${reason}`);
  };

  const cluster: RedisCluster = {
    nodes,
    addresses,
    topology,
    masters: masterNodes,
    replicas: async () => (await topology()).filter((n) => n.role === 'replica'),
    ownerOf,
    async killMaster(slotOrKey = 0, signal = 'SIGKILL') {
      const owner = await ownerOf(slotOrKey);
      owner.server.kill(signal);
      return owner;
    },
    waitHealthy,
    stop,
  };

  try {
    const create = await redisCli(
      nodes[0],
      ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'],
      30_000,
    );
    if (create.code !== 0) {
      throw new Error(`redis-cli --cluster create failed:\n${create.stdout}${create.stderr}`);
    }
    await waitHealthy({ replicas: true });
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}
