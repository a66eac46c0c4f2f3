/**
 * One behaviour suite, run against a standalone server and a 3-master cluster, over RESP2 and
 * RESP3: whatever routes the commands, callers see the same replies in the same order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createCluster, keySlot, type Reply, ReplyError, SLOT_COUNT } from '../../src/index.js';
import type { Command } from '../../src/resp/reply.js';
import { startCluster, startRedis } from '../support/redis.js';

/** What the suite needs of a client; RedisClient and RedisCluster both have it. */
interface Target {
  send(command: Command, options?: { returnBuffers?: boolean }): Promise<Reply>;
  pipeline(commands: readonly Command[], options?: { returnBuffers?: boolean }): Promise<Reply[]>;
  close(): Promise<void>;
}

type Mode = 'standalone' | 'cluster';

const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  while (stops.length > 0) await stops.pop()!().catch(() => {});
});

// One server (or cluster) per mode, shared by both protocols, started on first use.
const servers = new Map<Mode, Promise<string>>();
function serverUrl(mode: Mode): Promise<string> {
  let url = servers.get(mode);
  if (url === undefined) {
    url =
      mode === 'standalone'
        ? startRedis().then((s) => {
            stops.push(() => s.stop());
            return s.url;
          })
        : startCluster({ masters: 3, replicasPerMaster: 0 }).then((c) => {
            stops.push(() => c.stop());
            return `redis://${c.addresses[0]}`;
          });
    servers.set(mode, url);
  }
  return url;
}

async function connect(mode: Mode, protocol: 2 | 3): Promise<Target> {
  const url = await serverUrl(mode);
  const target: Target =
    mode === 'standalone'
      ? await createClient(url, { protocol })
      : await createCluster({ addresses: [url], protocol, refreshInterval: 0 });
  stops.push(() => target.close());
  return target;
}

/** HGETALL replies a Map on RESP3 and a flat array on RESP2; both as a plain object. */
function asRecord(reply: Reply): Record<string, unknown> {
  if (reply instanceof Map) return Object.fromEntries(reply);
  const flat = reply as Reply[];
  const out: Record<string, unknown> = {};
  for (let i = 0; i < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

describe.each([
  { mode: 'standalone' as const, protocol: 3 as const },
  { mode: 'standalone' as const, protocol: 2 as const },
  { mode: 'cluster' as const, protocol: 3 as const },
  { mode: 'cluster' as const, protocol: 2 as const },
])('both modes ($mode, RESP$protocol)', ({ mode, protocol }) => {
  // Keys are unique per run so the two protocols never see each other's data.
  const k = (name: string) => `${name}:${mode}:${protocol}`;
  let c: Target;
  beforeAll(async () => {
    c = await connect(mode, protocol);
  }, 60_000);

  it(`${mode} — SET then GET returns the value, GET of a missing key null`, async () => {
    expect(await c.send(['SET', k('str'), 'héllo'])).toBe('OK');
    expect(await c.send(['GET', k('str')])).toBe('héllo');
    expect(await c.send(['GET', k('missing')])).toBeNull();
  });

  it(`${mode} — an error reply stays in its place in a pipeline; the others succeed`, async () => {
    const replies = await c.pipeline([
      ['SET', k('wt'), 'text'],
      ['RPUSH', k('wt'), 'x'],
      ['GET', k('wt')],
      ['INCR', k('wt')],
      ['INCR', k('counter')],
    ]);
    expect(replies[0]).toBe('OK');
    expect(replies[1]).toBeInstanceOf(ReplyError);
    expect((replies[1] as ReplyError).prefix).toBe('WRONGTYPE');
    expect(replies[2]).toBe('text');
    expect((replies[3] as ReplyError).prefix).toBe('ERR');
    expect(replies[4]).toBe(1);
    await expect(c.send(['RPUSH', k('wt'), 'y'])).rejects.toMatchObject({ prefix: 'WRONGTYPE' });
  });

  it(`${mode} — binary values round-trip byte for byte with returnBuffers`, async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const key = Buffer.concat([Buffer.from(k('bin')), Buffer.from([0, 0xff, 0x0d, 0x0a])]);
    expect(await c.send(['SET', key, bytes])).toBe('OK');
    const one = await c.send(['GET', key], { returnBuffers: true });
    expect(Buffer.isBuffer(one)).toBe(true);
    expect((one as Buffer).equals(bytes)).toBe(true);
    const [got, text] = await c.pipeline(
      [
        ['GET', key],
        ['ECHO', 'plain'],
      ],
      { returnBuffers: true },
    );
    expect((got as Buffer).equals(bytes)).toBe(true);
    expect(Buffer.from('plain').equals(text as Buffer)).toBe(true);
    // Without returnBuffers the same reply is a string again.
    expect(typeof (await c.send(['GET', k('str')]))).toBe('string');
  });

  it(`${mode} — RPUSH keeps order across commands and pipelines`, async () => {
    const list = k('list');
    await c.send(['RPUSH', list, 'a']);
    await c.pipeline([
      ['RPUSH', list, 'b', 'c'],
      ['RPUSH', list, 'd'],
    ]);
    expect(await c.send(['RPUSH', list, 'e'])).toBe(5);
    expect(await c.send(['LRANGE', list, '0', '-1'])).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it(`${mode} — HSET then HGETALL returns every field`, async () => {
    const h = k('hash');
    expect(await c.send(['HSET', h, 'f1', 'v1', 'f2', 'v2'])).toBe(2);
    expect(await c.send(['HSET', h, 'f2', 'v2b', 'f3', 'v3'])).toBe(1);
    expect(asRecord(await c.send(['HGETALL', h]))).toEqual({ f1: 'v1', f2: 'v2b', f3: 'v3' });
    expect(asRecord(await c.send(['HGETALL', k('no-hash')]))).toEqual({});
  });

  it(`${mode} — EXPIRE sets a TTL; TTL is -1 without one and -2 for a missing key`, async () => {
    const key = k('ttl');
    await c.send(['SET', key, 'v']);
    expect(await c.send(['TTL', key])).toBe(-1);
    expect(await c.send(['EXPIRE', key, '1000'])).toBe(1);
    const ttl = (await c.send(['TTL', key])) as number;
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1000);
    expect(await c.send(['PERSIST', key])).toBe(1);
    expect(await c.send(['TTL', key])).toBe(-1);
    expect(await c.send(['TTL', k('no-ttl')])).toBe(-2);
    expect(await c.send(['EXPIRE', k('no-ttl'), '10'])).toBe(0);
  });

  it(`${mode} — a pipeline over many slots answers in the caller's order`, async () => {
    const n = 3000;
    const commands: Command[] = [];
    for (let i = 0; i < n; i++) {
      const key = k(`many:${i}`);
      // Per key: SET, INCRBY, GET; interleaved with other keys so every node's share is mixed.
      commands.push(['SET', key, String(i)], ['INCRBY', key, '1'], ['GET', key]);
    }
    const replies = await c.pipeline(commands);
    expect(replies).toHaveLength(3 * n);
    const expected: Reply[] = [];
    for (let i = 0; i < n; i++) expected.push('OK', i + 1, String(i + 1));
    expect(replies).toEqual(expected);
    // The keys really spread over the slot space (and, in cluster mode, over every master).
    const slots = new Set(Array.from({ length: n }, (_, i) => keySlot(k(`many:${i}`))));
    expect(slots.size).toBeGreaterThan(2000);
    expect(Math.max(...slots)).toBeGreaterThan(SLOT_COUNT - 200);
  });
});
