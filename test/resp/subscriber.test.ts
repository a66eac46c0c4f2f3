import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import { createSubscriber, type PubSubMessage, type RedisSubscriber } from '../../src/resp/subscriber.js';
import { SubscriberDisconnectedError } from '../../src/resp/subscriber-errors.js';
import { cli, type RedisServer, startRedis } from '../support/redis.js';
import { until } from '../support/until.js';

let server: RedisServer;
let pub: RedisClient;
beforeAll(async () => {
  server = await startRedis();
  pub = await createClient(server.url);
});
afterAll(async () => {
  await pub?.close();
  await server?.stop();
});

function collect(sub: RedisSubscriber): PubSubMessage[] {
  const got: PubSubMessage[] = [];
  sub.on('message', (m) => got.push(m));
  return got;
}

describe.each([3, 2] as const)('subscriber over RESP%i', (protocol) => {
  it('subscriber — channels, patterns and shard channels receive what is published after', async () => {
    await using sub = await createSubscriber(server.url, { protocol });
    expect(sub.protocol).toBe(protocol);
    const got = collect(sub);
    await sub.subscribe('orders', 'refunds');
    await sub.psubscribe('metrics.*');
    await sub.ssubscribe('{s}a', '{s}b', 'other');
    await pub.send(['PUBLISH', 'orders', 'o1']);
    await pub.send(['PUBLISH', 'metrics.cpu', '42']);
    await pub.send(['SPUBLISH', '{s}b', 'sb']);
    await pub.send(['PUBLISH', 'unrelated', 'x']);
    await pub.send(['PUBLISH', 'refunds', 'r1']);
    await until(
      '4 messages',
      () => got.length,
      (n) => n >= 4,
    );
    expect(got).toEqual([
      { kind: 'message', channel: 'orders', payload: 'o1' },
      { kind: 'pmessage', channel: 'metrics.cpu', pattern: 'metrics.*', payload: '42' },
      { kind: 'smessage', channel: '{s}b', payload: 'sb' },
      { kind: 'message', channel: 'refunds', payload: 'r1' },
    ]);
    expect(sub.stats.messages).toBe(4);
    expect(sub.subscriptions('ssubscribe').sort()).toEqual(['other', '{s}a', '{s}b']);
  });

  it('subscriber — binary payloads arrive byte for byte with returnBuffers', async () => {
    await using sub = await createSubscriber(server.url, { protocol, returnBuffers: true });
    const got = collect(sub);
    await sub.subscribe('bytes');
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const before = got.length;
        const payload = Buffer.from(bytes);
        await pub.send(['PUBLISH', 'bytes', payload]);
        await until(
          'the message',
          () => got.length,
          (n) => n > before,
          5_000,
          2,
        );
        const m = got[got.length - 1];
        expect(Buffer.isBuffer(m.payload)).toBe(true);
        expect((m.payload as Buffer).equals(payload)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('subscriber — a killed connection is reported, resubscribed, and delivers again', async () => {
    await using sub = await createSubscriber(server.url, { protocol, reconnect: { initialDelay: 10 } });
    const got = collect(sub);
    const lost: SubscriberDisconnectedError[] = [];
    sub.on('disconnected', (e) => lost.push(e));
    await sub.subscribe('k1');
    await sub.psubscribe('kp.*');
    await cli(server, 'client', 'kill', 'type', 'pubsub');
    await until(
      'disconnected',
      () => lost.length,
      (n) => n === 1,
    );
    expect(lost[0]).toBeInstanceOf(SubscriberDisconnectedError);
    expect(lost[0].code).toBe('ERR_PUBSUB_DISCONNECTED');
    expect(lost[0].subscriptions).toBe(2);
    await until(
      'resubscribed',
      () => sub.stats.resubscriptions,
      (n) => n === 1,
    );
    await pub.send(['PUBLISH', 'k1', 'after']);
    await pub.send(['PUBLISH', 'kp.x', 'after-p']);
    await until(
      '2 messages',
      () => got.length,
      (n) => n === 2,
    );
    expect(got.map((m) => m.payload)).toEqual(['after', 'after-p']);
    expect(sub.stats.disconnects).toBe(1);
  });
});

describe('subscriber — errors', () => {
  it('subscriber — a refused subscription rejects with the server reply and is not kept', async () => {
    await cli(server, 'acl', 'setuser', 'narrow', 'on', '>pw', 'resetchannels', '&allowed', '+@all', '~*');
    await using sub = await createSubscriber(server.url, { username: 'narrow', password: 'pw' });
    await expect(sub.subscribe('forbidden')).rejects.toMatchObject({ code: 'ERR_REPLY', prefix: 'NOPERM' });
    expect(sub.subscriptions('subscribe')).toEqual([]);
    const got = collect(sub);
    await sub.subscribe('allowed');
    await pub.send(['PUBLISH', 'allowed', 'yes']);
    await until(
      'message',
      () => got.length,
      (n) => n === 1,
    );
  });

  it('subscriber — wrong credentials fail the connect with ERR_AUTH and no password', async () => {
    const err = await createSubscriber(server.url, { username: 'narrow', password: 'nope-secret' }).catch(
      (e: Error) => e,
    );
    expect(err).toMatchObject({ code: 'ERR_AUTH' });
    expect(String((err as Error).message)).not.toContain('nope-secret');
  });

  it('subscriber — subscribing after close rejects with ERR_PUBSUB_CLOSED', async () => {
    const sub = await createSubscriber(server.url);
    await sub.close();
    await expect(sub.subscribe('x')).rejects.toMatchObject({ code: 'ERR_PUBSUB_CLOSED' });
  });
});

describe('subscriber — falling behind', () => {
  let slow: RedisServer;
  beforeAll(async () => {
    // A small hard limit: Redis closes a subscriber at once when 64 KB wait for it.
    slow = await startRedis({ args: ['--client-output-buffer-limit', 'pubsub 64kb 0 0'] });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it('subscriber — one that stops reading is dropped by Redis, reported, and resubscribes', async () => {
    const p = await createClient(slow.url);
    await using sub = await createSubscriber(slow.url, { reconnect: { initialDelay: 10 } });
    const got = collect(sub);
    const lost: SubscriberDisconnectedError[] = [];
    sub.on('disconnected', (e) => lost.push(e));
    await sub.subscribe('firehose');
    sub.pause();
    const big = 'x'.repeat(16 * 1024);
    // Until Redis gives up: the kernel's socket buffers take a few MB before its own buffer grows.
    for (let i = 0; i < 8_000 && lost.length === 0; i++) {
      await p.send(['PUBLISH', 'firehose', big]);
    }
    sub.resume();
    await until(
      'disconnected',
      () => lost.length,
      (n) => n >= 1,
    );
    expect(lost[0].code).toBe('ERR_PUBSUB_DISCONNECTED');
    expect(lost[0].message).toContain('client-output-buffer-limit');
    await until(
      'resubscribed',
      () => sub.stats.resubscriptions,
      (n) => n >= 1,
    );
    const before = got.length;
    await p.send(['PUBLISH', 'firehose', 'fresh']);
    await until(
      'the message after',
      () => got.length,
      (n) => n > before,
    );
    expect(got[got.length - 1].payload).toBe('fresh');
    await p.close();
  });
});
