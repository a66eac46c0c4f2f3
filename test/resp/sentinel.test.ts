/**
 * The Sentinel client against real `redis-server --sentinel` processes: 3 Sentinels, a primary
 * and 2 replicas on loopback. What the servers hold is read with redis-cli, never through the
 * client under test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createSentinel,
  type RedisSentinel,
  type ReplyError,
  SentinelError,
  type SentinelOptions,
} from '../../src/client.js';
import { type SentinelGroup, startSentinelGroup } from '../../src/dev/redis-sentinel.js';
import { cli, findFreePort } from '../support/redis.js';
import { until } from '../support/until.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!().catch(() => {});
});

async function sentinel(options: SentinelOptions): Promise<RedisSentinel> {
  const client = await createSentinel(options);
  cleanup.push(() => client.close());
  return client;
}

describe('sentinel — discovery', () => {
  let group: SentinelGroup;
  beforeAll(async () => {
    group = await startSentinelGroup();
  });
  afterAll(async () => {
    await group?.stop();
  });

  it('sentinel — writes go to the primary the Sentinels name, verified as master', async () => {
    const client = await sentinel({ sentinels: group.sentinelUrls, masterName: group.masterName });
    const primary = await group.primaryAddress();
    expect(client.primaryAddress).toBe(primary);
    expect(client.topology).toBe('standalone');
    await client.send(['SET', 'discovery:k', 'v']);
    expect(await cli(group.serverAt(primary), 'get', 'discovery:k')).toBe('v');
    expect(
      await client.pipeline([
        ['INCR', 'discovery:n'],
        ['GET', 'discovery:n'],
      ]),
    ).toEqual([1, '1']);
  });

  it("sentinel — readFrom 'replica': commands go to a healthy replica, and a write there is refused", async () => {
    const client = await sentinel({
      sentinels: group.sentinelUrls,
      masterName: group.masterName,
      readFrom: 'replica',
    });
    const primary = await group.primaryAddress();
    const replicas = group.servers.map((s) => `${s.host}:${s.port}`).filter((a) => a !== primary);
    expect(replicas).toContain(client.address);
    expect(client.primaryAddress).toBeNull();
    await cli(group.serverAt(primary), 'set', 'replica:k', 'v');
    // WAIT: both replicas hold the write before it is read from one of them.
    expect(await cli(group.serverAt(primary), 'wait', '2', '5000')).toBe('2');
    expect(await client.send(['GET', 'replica:k'])).toBe('v');
    const refused = await client.send(['SET', 'replica:k', 'w']).catch((e: unknown) => e);
    expect((refused as ReplyError).prefix).toBe('READONLY');
    expect(await cli(group.serverAt(primary), 'get', 'replica:k')).toBe('v');
  });

  it('sentinel — a Sentinel that is down is skipped: the next one in the list answers', async () => {
    const dead = `redis://127.0.0.1:${await findFreePort('127.0.0.1')}`;
    const client = await sentinel({ sentinels: [dead, ...group.sentinelUrls], masterName: group.masterName });
    expect(client.primaryAddress).toBe(await group.primaryAddress());
    expect(await client.send(['PING'])).toBe('PONG');
  });

  it('sentinel — no Sentinel answering fails with ERR_SENTINEL_UNREACHABLE naming each one', async () => {
    const ports = [await findFreePort('127.0.0.1'), await findFreePort('127.0.0.1')];
    const err = await createSentinel({
      sentinels: ports.map((p) => `redis://127.0.0.1:${p}`),
      masterName: group.masterName,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SentinelError);
    expect((err as SentinelError).code).toBe('ERR_SENTINEL_UNREACHABLE');
    for (const p of ports) expect((err as Error).message).toContain(`127.0.0.1:${p}`);
  });

  it('sentinel — an unknown master name fails with ERR_SENTINEL_UNKNOWN_MASTER naming it', async () => {
    const err = await createSentinel({ sentinels: group.sentinelUrls, masterName: 'nosuchmaster' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SentinelError);
    expect((err as SentinelError).code).toBe('ERR_SENTINEL_UNKNOWN_MASTER');
    expect((err as Error).message).toContain("'nosuchmaster'");
  });

  it('sentinel — passwords are never part of an error', async () => {
    const port = await findFreePort('127.0.0.1');
    const err = await createSentinel({
      sentinels: [`redis://user:url-secret-xyz@127.0.0.1:${port}`],
      masterName: group.masterName,
      sentinelPassword: 'sentinel-secret-xyz',
      password: 'data-secret-xyz',
    }).catch((e: unknown) => e);
    expect((err as SentinelError).code).toBe('ERR_SENTINEL_UNREACHABLE');
    const text = `${(err as Error).message} ${String((err as Error).cause)}`;
    expect(text).toContain(`127.0.0.1:${port}`);
    expect(text).not.toMatch(/secret-xyz/);
  });
  // Last in this group: it moves the primary.
  it('sentinel — subscribes to +switch-master, and follows a manual SENTINEL FAILOVER', async () => {
    const client = await sentinel({ sentinels: group.sentinelUrls, masterName: group.masterName });
    const old = await group.primaryAddress();
    // The watch: one RESP3 connection subscribed on one of the Sentinels.
    await until(
      'a subscribed connection on a Sentinel',
      async () => {
        const lists = await Promise.all(group.sentinels.map((s) => cli(s, 'client', 'list')));
        return lists
          .join('\n')
          .split('\n')
          .filter((l) => / sub=1 /.test(l) && / resp=3/.test(l)).length;
      },
      (n) => n === 1,
    );
    const switched = new Promise<string>((resolve) => client.once('primary', resolve));
    expect(await cli(group.sentinels[0], 'sentinel', 'failover', group.masterName)).toBe('OK');
    const promoted = await group.waitPromoted(old);
    expect(await switched).toBe(promoted);
    expect(await client.send(['SET', 'manual:k', '1'])).toBe('OK');
    expect(await cli(group.serverAt(promoted), 'get', 'manual:k')).toBe('1');
  });
});

describe('sentinel — failover', () => {
  let group: SentinelGroup;
  beforeAll(async () => {
    group = await startSentinelGroup();
  });
  afterAll(async () => {
    await group?.stop();
  });

  it('sentinel — after the primary is SIGKILLed, a command waits for the promotion and goes to the promoted replica', async () => {
    const client = await sentinel({
      sentinels: group.sentinelUrls,
      masterName: group.masterName,
      failoverTimeout: 45_000,
    });
    const old = await group.primaryAddress();
    await client.send(['SET', 'failover:before', '1']);
    // WAIT: the write reached both replicas, so whichever is promoted holds it.
    expect(await client.send(['WAIT', 2, 5_000])).toBe(2);
    const switched = new Promise<string>((resolve) => client.once('primary', resolve));
    group.serverAt(old).kill('SIGKILL');
    // Once the client saw its primary's connection close, no primary is usable: a command now
    // waits for the promotion instead of failing, and goes to the promoted replica.
    await until(
      'the client to see the primary gone',
      () => client.primaryAddress,
      (a) => a === null,
    );
    const after = await client.send(['SET', 'failover:after', '1']);
    const promoted = await group.waitPromoted(old);
    expect(after).toBe('OK');
    expect(await switched).toBe(promoted);
    expect(client.primaryAddress).toBe(promoted);
    expect(await cli(group.serverAt(promoted), 'get', 'failover:after')).toBe('1');
    expect(await cli(group.serverAt(promoted), 'get', 'failover:before')).toBe('1');
    await client.send(['SET', 'failover:later', '1']);
    expect(await cli(group.serverAt(promoted), 'get', 'failover:later')).toBe('1');
  });
});
