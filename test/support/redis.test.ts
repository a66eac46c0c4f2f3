import { existsSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisProcessId } from '../../src/dev/redis-reachable.js';
import {
  type AclRedis,
  cli,
  findFreePort,
  isRedisReachable,
  parseInfo,
  type RedisCluster,
  RedisHarnessError,
  RedisServerError,
  redisCli,
  SLOTS,
  startAclRedis,
  startCluster,
  startRedis,
  startTlsRedis,
  type TlsRedis,
  withRedis,
} from './redis.js';

/** Whether something accepts TCP connections on the port (a stopped server must not). */
function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends an inline PING over TLS and returns the first reply line. */
function tlsPing(port: number, options: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...options }, () => socket.write('PING\r\n'));
    socket.setTimeout(5_000, () => socket.destroy(new Error('timeout')));
    socket.once('error', reject);
    socket.once('data', (chunk) => {
      resolve(chunk.toString('latin1').trimEnd());
      socket.destroy();
    });
  });
}

describe('redis-server launcher', () => {
  it('redis-server launcher — a plain server answers PING', async () => {
    await withRedis(async (server) => {
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect(await isRedisReachable(server.host, server.port)).toBe(true);
      expect(await cli(server, 'ping')).toBe('PONG');
    });
  });

  it('redis-server launcher — stop() kills the process, frees the port and removes its directory', async () => {
    const server = await startRedis();
    const { pid, port, dir } = server;
    expect(existsSync(dir)).toBe(true);
    await server.stop();
    await server.stop(); // idempotent
    expect(processExists(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(await canBind('127.0.0.1', port)).toBe(true);
    expect(await isRedisReachable('127.0.0.1', port, 300)).toBe(false);
  });

  it('redis-server launcher — kill() and restart() bring the server back on the same port', async () => {
    await withRedis(async (server) => {
      const first = server.pid;
      server.kill('SIGSTOP');
      expect(await isRedisReachable(server.host, server.port, 300)).toBe(false);
      server.kill('SIGCONT');
      expect(await isRedisReachable(server.host, server.port)).toBe(true);

      await cli(server, 'set', 'k', 'v');
      server.kill();
      await expect.poll(() => processExists(first)).toBe(false);
      expect(await isRedisReachable(server.host, server.port, 300)).toBe(false);
      await server.restart();
      expect(server.pid).not.toBe(first);
      expect(await cli(server, 'ping')).toBe('PONG');
      expect(await cli(server, 'exists', 'k')).toBe('0'); // nothing persisted
    });
  });

  it('redis-server launcher — stop() ends a SIGSTOPped server', async () => {
    const server = await startRedis();
    server.kill('SIGSTOP');
    await server.stop();
    expect(processExists(server.pid)).toBe(false);
  });

  it('redis-server launcher — a bad option fails the start with the log tail', async () => {
    const err = await startRedis({ args: ['--no-such-directive', 'x'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisServerError);
    expect((err as RedisServerError).code).toBe('ERR_REDIS_SERVER');
    expect((err as Error).message).toMatch(/no-such-directive/);
  });

  it('redis-server launcher — a taken explicit port fails with addressInUse', async () => {
    // Taken by a listener that does not speak RESP: the start must fail on the new server's own
    // exit. (A port held by another Redis has its own test below.)
    const squatter = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = squatter.address() as net.AddressInfo;
    try {
      const err = await startRedis({ port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RedisServerError);
      expect((err as RedisServerError).addressInUse).toBe(true);
      expect(squatter.listening).toBe(true);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('redis-server launcher — a port held by another Redis fails, however slowly the new server exits', async () => {
    // The launcher used to take the other server's PONG for its own when the new server was
    // slow to exit (22 of 40 starts on a loaded machine). Only its own process id counts now.
    await withRedis(async (holder) => {
      expect(await redisProcessId(holder.host, holder.port)).toBe(holder.pid);
      for (let i = 0; i < 5; i++) {
        const err = await startRedis({ port: holder.port }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RedisServerError);
        expect((err as RedisServerError).addressInUse).toBe(true);
      }
      expect(await isRedisReachable(holder.host, holder.port)).toBe(true);
    });
  });

  it('redis-server launcher — args and config reach the server', async () => {
    await withRedis(
      async (server) => {
        expect(await cli(server, 'config', 'get', 'maxmemory')).toBe('maxmemory\n10485760');
        expect(await cli(server, 'config', 'get', 'hz')).toBe('hz\n50');
      },
      { args: ['--maxmemory', '10mb'], config: 'hz 50' },
    );
  });

  it('redis-server launcher — binds ::1 with a bracketed url', async () => {
    await withRedis(
      async (server) => {
        expect(server.url).toBe(`redis://[::1]:${server.port}`);
        expect(await isRedisReachable('::1', server.port)).toBe(true);
      },
      { host: '::1' },
    );
  });

  it('isRedisReachable — false when nothing listens', async () => {
    expect(await isRedisReachable('127.0.0.1', await findFreePort(), 300)).toBe(false);
  });
});

describe('redis-cli', () => {
  it('redis-cli — cli() returns the reply, and rejects an error reply with ERR_REDIS_HARNESS', async () => {
    await withRedis(async (server) => {
      expect(await cli(server, 'set', 'k', 'v')).toBe('OK');
      const err = await cli(server, 'lpush', 'k', 'x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RedisHarnessError);
      expect((err as RedisHarnessError).code).toBe('ERR_REDIS_HARNESS');
      expect((err as Error).message).toMatch(/WRONGTYPE/);
      expect((await redisCli(server, ['lpush', 'k', 'x'])).stdout).toMatch(/WRONGTYPE/);
    });
  });
});

describe('ACL redis', () => {
  let acl: AclRedis;
  beforeAll(async () => {
    acl = await startAclRedis();
  });
  afterAll(() => acl?.server.stop());

  it('ACL redis — the default user gets NOAUTH', async () => {
    expect(await isRedisReachable(acl.server.host, acl.server.port)).toBe(true);
    expect(await redisProcessId(acl.server.host, acl.server.port)).toBe('auth');
    const r = await redisCli(acl.server, ['ping']);
    expect(r.stdout + r.stderr).toMatch(/NOAUTH/);
  });

  it('ACL redis — the wrong password is refused, the right one accepted', async () => {
    const wrong = await redisCli(acl.server, ['--user', acl.username, '--pass', 'wrong-pass', 'ping']);
    expect(wrong.stdout + wrong.stderr).toMatch(/WRONGPASS/);
    expect(wrong.stdout).not.toMatch(/PONG/);
    const right = await redisCli(acl.server, ['--user', acl.username, '--pass', acl.password, 'ping']);
    expect(right.stdout.trim()).toBe('PONG');
  });

  it('ACL redis — the reader may read but not write', async () => {
    const auth = ['--user', acl.reader.username, '--pass', acl.reader.password];
    expect((await redisCli(acl.server, [...auth, 'get', 'x'])).stdout.trim()).toBe('');
    const set = await redisCli(acl.server, [...auth, 'set', 'x', '1']);
    expect(set.stdout + set.stderr).toMatch(/NOPERM/);
  });
});

describe('TLS redis', () => {
  let t: TlsRedis;
  beforeAll(async () => {
    t = await startTlsRedis();
  });
  afterAll(() => t?.stop());

  it('TLS redis — redis-cli trusting the CA gets PONG', async () => {
    expect(t.server.url).toBe(`rediss://127.0.0.1:${t.server.port}`);
    const r = await redisCli(t.server, ['--tls', '--cacert', t.files.caFile, 'ping']);
    expect(r.stdout.trim()).toBe('PONG');
  });

  it('TLS redis — redis-cli trusting the wrong CA fails verification', async () => {
    const r = await redisCli(t.server, ['--tls', '--cacert', t.files.wrongCaFile, 'ping']);
    expect(r.stdout).not.toMatch(/PONG/);
    expect(r.stderr).toMatch(/certificate verify failed|SSL/i);
  });

  it('TLS redis — Node tls verifies the IP SAN and gets +PONG, with or without a client cert', async () => {
    expect(await tlsPing(t.server.port, { ca: t.ca })).toBe('+PONG');
    expect(await tlsPing(t.server.port, { ca: t.ca, cert: t.cert, key: t.key })).toBe('+PONG');
  });

  it('TLS redis — Node tls refuses a server signed by the wrong CA', async () => {
    // OpenSSL sends the server's CA along with its certificate, so Node reports the untrusted root.
    await expect(tlsPing(t.server.port, { ca: t.wrongCa })).rejects.toMatchObject({
      code: expect.stringMatching(/^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/),
    });
  });

  it('TLS redis — a client certificate from the wrong CA is refused', async () => {
    await expect(
      tlsPing(t.server.port, { ca: t.ca, cert: t.wrongCert, key: t.wrongKey }),
    ).rejects.toMatchObject({
      code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
    });
  });

  it('TLS redis — the port does not speak plain RESP', async () => {
    expect(await isRedisReachable(t.server.host, t.server.port, 500)).toBe(false);
  });
});

describe('Redis cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    // A node timeout long enough that CPU contention from parallel test files never looks like a
    // dead master (a spurious failover under load lost the key this file checks).
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 5000 });
  });
  afterAll(() => cluster?.stop());

  it('Redis cluster — 3 masters and 3 replicas cover all slots, cluster_state:ok everywhere', async () => {
    expect(cluster.nodes).toHaveLength(6);
    const masters = await cluster.masters();
    const replicas = await cluster.replicas();
    expect(masters).toHaveLength(3);
    expect(replicas).toHaveLength(3);
    expect(new Set(replicas.map((r) => r.masterId))).toEqual(new Set(masters.map((m) => m.id)));
    const slots = masters.flatMap((m) => m.slots).reduce((sum, [a, b]) => sum + b - a + 1, 0);
    expect(slots).toBe(SLOTS);
    for (const node of cluster.nodes) {
      const info = parseInfo(await cli(node, 'cluster', 'info'));
      expect(info.cluster_state).toBe('ok');
      expect(info.cluster_slots_assigned).toBe(String(SLOTS));
      expect(info.cluster_known_nodes).toBe('6');
    }
  });

  it('Redis cluster — ownerOf(key) names the master that accepts the key', async () => {
    for (const key of ['a', 'b', 'c', '{user:1}:rows']) {
      const owner = await cluster.ownerOf(key);
      expect(await cli(owner.server, 'set', key, 'v')).toBe('OK');
    }
  });

  it('Redis cluster — a killed master fails over and rejoins as a replica after restart', async () => {
    // Replication is asynchronous: make sure the replica has 'a' before its master dies.
    const before = await cluster.ownerOf('a');
    expect(await cli(before.server, 'set', 'a', 'v')).toBe('OK');
    expect(Number(await cli(before.server, 'wait', '1', '5000'))).toBeGreaterThanOrEqual(1);
    const old = await cluster.killMaster('a');
    await cluster.waitHealthy();
    // Under load one node's view of the new layout can lag for a moment: ask again until the
    // promoted owner answers (bounded), then require the replicated value.
    let owner = await cluster.ownerOf('a');
    let value = await cli(owner.server, 'get', 'a').catch(() => '');
    for (let i = 0; i < 50 && value !== 'v'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      owner = await cluster.ownerOf('a');
      value = await cli(owner.server, 'get', 'a').catch(() => '');
    }
    expect(owner.id).not.toBe(old.id);
    expect(value).toBe('v');

    await old.server.restart();
    await cluster.waitHealthy({ replicas: true });
    const rejoined = (await cluster.topology()).find((n) => n.id === old.id);
    expect(rejoined).toMatchObject({ role: 'replica', masterId: owner.id });
  });
});

describe('Redis cluster without replicas', () => {
  it('Redis cluster without replicas — the masters alone cover all slots and take writes', async () => {
    const cluster = await startCluster({ masters: 3, replicasPerMaster: 0, nodeTimeoutMs: 5000 });
    try {
      expect(cluster.nodes).toHaveLength(3);
      expect(await cluster.replicas()).toEqual([]);
      const masters = await cluster.masters();
      expect(masters.map((m) => m.port).sort()).toEqual(cluster.nodes.map((n) => n.port).sort());
      const slots = masters.flatMap((m) => m.slots).reduce((sum, [a, b]) => sum + b - a + 1, 0);
      expect(slots).toBe(SLOTS);
      const owner = await cluster.ownerOf('{user:1}:rows');
      expect(await cli(owner.server, 'set', '{user:1}:rows', 'v')).toBe('OK');
    } finally {
      await cluster.stop();
    }
  });
});
