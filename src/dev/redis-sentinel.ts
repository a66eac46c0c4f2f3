/**
 * A private Sentinel-managed group: a primary, its replicas and `redis-server --sentinel`
 * processes monitoring it, all on free loopback ports. Each Sentinel has a `redis.conf` of its own
 * that it rewrites as it learns the group. Checks go through redis-cli, never through the
 * project's Sentinel client, so a client bug cannot make the group look healthy.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { RedisHarnessError } from './errors.js';
import { cli, parseInfo, redisCli } from './redis-cli.js';
import { isRedisReachable } from './redis-reachable.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

export interface SentinelGroupOptions {
  /** Default `mymaster`. */
  masterName?: string;
  /** Default 2. */
  replicas?: number;
  /** Default 3; the quorum is a majority of them. */
  sentinels?: number;
  /** `down-after-milliseconds`: how soon an unanswering primary counts as down. Default 1000. */
  downAfterMs?: number;
  /** Sentinel's `failover-timeout`. Default 3000. */
  failoverTimeoutMs?: number;
}

export interface SentinelGroup {
  masterName: string;
  /** Every data server, the first one started as primary. */
  servers: RedisServer[];
  sentinels: RedisServer[];
  /** `redis://127.0.0.1:PORT` of every Sentinel. */
  sentinelUrls: string[];
  /** The primary as a Sentinel that answers names it: `host:port`. */
  primaryAddress(): Promise<string>;
  /** The data server at `host:port`. */
  serverAt(address: string): RedisServer;
  /**
   * Waits until every running Sentinel sees the primary, all its replicas and the other running
   * Sentinels, and the primary's replicas are online: a failover can then happen.
   */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Waits until the Sentinels name a primary other than `old`, and it reports `role:master`. */
  waitPromoted(old: string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Starts a primary, its replicas and the Sentinels, and waits until a failover can happen. */
export async function startSentinelGroup(opts: SentinelGroupOptions = {}): Promise<SentinelGroup> {
  const {
    masterName = 'mymaster',
    replicas = 2,
    sentinels: sentinelCount = 3,
    downAfterMs = 1_000,
    failoverTimeoutMs = 3_000,
  } = opts;
  const started: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(started.map((s) => s.stop()));
  };
  try {
    const primary = await startRedisServer();
    started.push(primary);
    const servers = [primary];
    for (let i = 0; i < replicas; i++) {
      const replica = await startRedisServer({ config: `replicaof ${primary.host} ${primary.port}` });
      started.push(replica);
      servers.push(replica);
    }
    const quorum = Math.floor(sentinelCount / 2) + 1;
    const sentinelConfig = [
      `sentinel monitor ${masterName} ${primary.host} ${primary.port} ${quorum}`,
      `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
      `sentinel failover-timeout ${masterName} ${failoverTimeoutMs}`,
      `sentinel parallel-syncs ${masterName} ${replicas}`,
    ].join('\n');
    const sentinels: RedisServer[] = [];
    for (let i = 0; i < sentinelCount; i++) {
      const s = await startRedisServer({ config: sentinelConfig, args: ['--sentinel'] });
      started.push(s);
      sentinels.push(s);
    }
    const byAddress = new Map(servers.map((s) => [`${s.host}:${s.port}`, s]));
    const serverAt = (address: string) => {
      const s = byAddress.get(address);
      if (s === undefined) throw new RedisHarnessError(`no server of the group at ${address}`);
      return s;
    };
    const up = async (list: RedisServer[]) => {
      const alive = await Promise.all(list.map((s) => isRedisReachable(s.host, s.port, 300)));
      return list.filter((_, i) => alive[i]);
    };
    const primaryAddress = async () => {
      for (const s of await up(sentinels)) {
        const r = await redisCli(s, ['sentinel', 'get-master-addr-by-name', masterName]);
        const [host, port] = r.stdout.trim().split(/\r?\n/);
        if (r.code === 0 && port !== undefined) return `${host}:${port}`;
      }
      throw new RedisHarnessError(`no Sentinel names a primary of '${masterName}'`);
    };
    const waitReady = async (timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      for (;;) {
        const running = await up(sentinels);
        const dataUp = await up(servers);
        try {
          const address = await primaryAddress();
          const info = parseInfo(await cli(serverAt(address), 'info', 'replication'));
          const online = Object.entries(info).filter(
            ([k, v]) => /^slave\d+$/.test(k) && v.includes('state=online'),
          ).length;
          let seen = true;
          for (const s of running) {
            const fields = (await cli(s, 'sentinel', 'master', masterName)).split(/\r?\n/);
            const field = (name: string) => Number(fields[fields.indexOf(name) + 1]);
            const replicasSeen = field('num-slaves');
            const others = field('num-other-sentinels');
            if (replicasSeen < dataUp.length - 1 || others < running.length - 1) seen = false;
          }
          if (online === dataUp.length - 1 && seen) return;
          last = `${online} replicas online, Sentinels ${seen ? 'ready' : 'still learning the group'}`;
        } catch (err) {
          last = (err as Error).message;
        }
        if (Date.now() > deadline) throw new RedisHarnessError(`Sentinel group not ready: ${last}`);
        await delay(100);
      }
    };
    const waitPromoted = async (old: string, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          const address = await primaryAddress();
          if (address !== old) {
            const role = await cli(serverAt(address), 'role');
            if (role.split(/\r?\n/)[0] === 'master') return address;
          }
        } catch {
          // A Sentinel or server between states: ask again.
        }
        if (Date.now() > deadline) throw new RedisHarnessError(`no replica of ${old} was promoted`);
        await delay(100);
      }
    };
    const group: SentinelGroup = {
      masterName,
      servers,
      sentinels,
      sentinelUrls: sentinels.map((s) => s.url),
      primaryAddress,
      serverAt,
      waitReady,
      waitPromoted,
      stop,
    };
    await waitReady();
    return group;
  } catch (err) {
    await stop();
    throw err;
  }
}
