import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import { ReplyError } from '../../src/resp/errors.js';
import type { Reply } from '../../src/resp/reply.js';
import { type RedisServer, startRedis } from '../support/redis.js';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.stop();
});

describe.each([3, 2] as const)('client over RESP%i', (protocol) => {
  let c: RedisClient;
  beforeAll(async () => {
    c = await createClient(server.url, { protocol });
  });
  afterAll(async () => {
    await c?.close();
  });

  it('client — negotiates the requested protocol', () => {
    expect(c.protocol).toBe(protocol);
  });

  it('client — SET then GET returns the value', async () => {
    expect(await c.send(['SET', `p${protocol}:k`, 'héllo €'])).toBe('OK');
    expect(await c.send(['GET', `p${protocol}:k`])).toBe('héllo €');
    expect(await c.send(['GET', `p${protocol}:missing`])).toBeNull();
  });

  it('client — a server error rejects with ReplyError naming the command, not its arguments', async () => {
    await c.send(['RPUSH', `p${protocol}:list`, 'a']);
    const err = await c.send(['INCR', `p${protocol}:list`]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplyError);
    expect((err as ReplyError).prefix).toBe('WRONGTYPE');
    expect((err as ReplyError).code).toBe('ERR_REPLY');
    expect((err as ReplyError).command).toBe('INCR');
  });

  it('client — pipeline answers in order with errors in place', async () => {
    const k = `p${protocol}:n`;
    const replies = await c.pipeline([
      ['DEL', k],
      ['INCR', k],
      ['INCRBY', k, 'x'],
      ['INCR', k],
      ['GET', k],
    ]);
    expect(replies[0]).toBeTypeOf('number');
    expect(replies[1]).toBe(1);
    expect(replies[2]).toBeInstanceOf(ReplyError);
    expect(replies[3]).toBe(2);
    expect(replies[4]).toBe('2');
  });

  it('client — integers beyond 2^53 are exact bigints', async () => {
    const k = `p${protocol}:big`;
    await c.send(['SET', k, '9007199254740993']);
    expect(await c.send(['INCR', k])).toBe(9007199254740994n);
    expect(await c.send(['INCRBY', k, -1])).toBe(9007199254740993n);
    expect(await c.send(['DECRBY', k, 9007199254740000n])).toBe(993);
  });

  it('client — binary values round trip with returnBuffers', async () => {
    const k = `p${protocol}:bin`;
    const bytes = Buffer.from([0, 255, 13, 10, 36, 0xc3, 0x28, 0xe2, 0x82]);
    await c.send(['SET', k, bytes]);
    const back = await c.send(['GET', k], { returnBuffers: true });
    expect(Buffer.isBuffer(back)).toBe(true);
    expect((back as Buffer).equals(bytes)).toBe(true);
    // The next command on the same connection gets strings again.
    expect(await c.send(['ECHO', 'x'])).toBe('x');
  });

  it('client — hashes come back as Map (RESP3) or flat array (RESP2)', async () => {
    const k = `p${protocol}:h`;
    await c.send(['HSET', k, '__proto__', '1', 'b', '2']);
    const h = await c.send(['HGETALL', k]);
    if (protocol === 3) {
      expect(h).toBeInstanceOf(Map);
      expect((h as Map<Reply, Reply>).get('__proto__')).toBe('1');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    } else {
      expect(h).toEqual(expect.arrayContaining(['__proto__', '1', 'b', '2']));
    }
  });

  it('client — many concurrent sends keep their order', async () => {
    const k = `p${protocol}:order`;
    await c.send(['DEL', k]);
    const all = [];
    for (let i = 0; i < 5000; i++) all.push(c.send(['RPUSH', k, i]));
    const lengths = await Promise.all(all);
    expect(lengths).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
    const list = (await c.send(['LRANGE', k, 0, -1])) as string[];
    expect(list.map(Number)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });
});

describe('client', () => {
  it('client — SELECT from the URL path', async () => {
    const c = await createClient(`${server.url}/5`);
    try {
      await c.send(['SET', 'db-check', 'five']);
      const c0 = await createClient(server.url);
      expect(await c0.send(['GET', 'db-check'])).toBeNull();
      await c0.send(['SELECT', 5]);
      expect(await c0.send(['GET', 'db-check'])).toBe('five');
      await c0.close();
    } finally {
      await c.close();
    }
  });

  it('client — connection name is set by the handshake', async () => {
    const c = await createClient(server.url, { name: 'laminar-test' });
    expect(await c.send(['CLIENT', 'GETNAME'])).toBe('laminar-test');
    await c.close();
  });

  it('client — RESP3 push frames go to on("push"), never to a waiting command', async () => {
    const c = await createClient(server.url, { protocol: 3 });
    const writer = await createClient(server.url);
    try {
      const pushes: Reply[][] = [];
      c.on('push', (frame: Reply[]) => pushes.push(frame));
      await c.send(['CLIENT', 'TRACKING', 'on']);
      await c.send(['SET', 'tracked', '1']);
      expect(await c.send(['GET', 'tracked'])).toBe('1');
      await writer.send(['SET', 'tracked', '2']);
      // The invalidation push may come before this reply; the reply must still be PONG.
      expect(await c.send(['PING'])).toBe('PONG');
      for (let i = 0; i < 50 && pushes.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(pushes[0]?.[0]).toBe('invalidate');
      expect(pushes[0]?.[1]).toEqual(['tracked']);
      expect(await c.send(['GET', 'tracked'])).toBe('2');
    } finally {
      await c.close();
      await writer.close();
    }
  });

  it('client — falls back to RESP2 when the server does not know HELLO', async () => {
    const old = await startRedis({ config: 'rename-command HELLO ""' });
    try {
      const c = await createClient(old.url, { protocol: 3, name: 'fallback' });
      expect(c.protocol).toBe(2);
      expect(await c.send(['CLIENT', 'GETNAME'])).toBe('fallback');
      expect(await c.send(['HSET', 'h', 'f', 'v'])).toBe(1);
      expect(await c.send(['HGETALL', 'h'])).toEqual(['f', 'v']);
      await c.close();
    } finally {
      await old.stop();
    }
  });

  it('client — close() waits for replies already sent', async () => {
    const c = await createClient(server.url);
    const p = c.pipeline(Array.from({ length: 10_000 }, (_, i) => ['SET', `close:${i}`, i]));
    await c.close();
    expect((await p).length).toBe(10_000);
    await expect(c.send(['PING'])).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  });

  it('client — a bad argument rejects that command alone', async () => {
    const c = await createClient(server.url);
    await expect(c.send(['SET', 'k', Number.NaN])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(c.pipeline([['PING'], ['SET', 'k', {} as never]])).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      commandIndex: 1,
    });
    expect(await c.send(['PING'])).toBe('PONG');
    await c.close();
  });

  it('client — an argument above maxArgumentLength rejects that call alone; the connection stays', async () => {
    const c = await createClient(server.url, { maxArgumentLength: 1024 });
    const id = await c.send(['CLIENT', 'ID']);
    const err = await c.send(['SET', 'big', Buffer.alloc(1025)]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_ARGUMENT_TOO_LARGE', bytes: 1025, limit: 1024, index: 2 });
    expect((err as Error).message).toMatch(/maxArgumentLength \(1024 bytes/);
    await expect(
      c.pipeline([
        ['SET', 'small', 'v'],
        ['SET', 'big', 'é'.repeat(600)],
      ]),
    ).rejects.toMatchObject({ code: 'ERR_ARGUMENT_TOO_LARGE', commandIndex: 1, bytes: 1200 });
    // Nothing of the refused pipeline was sent, and the same connection serves the next command.
    expect(await c.send(['EXISTS', 'small', 'big'])).toBe(0);
    expect(await c.send(['CLIENT', 'ID'])).toBe(id);
    await c.close();
  });

  it("client — by default an argument above Redis' 512 MiB proto-max-bulk-len is refused before sending", async () => {
    const c = await createClient(server.url);
    const id = await c.send(['CLIENT', 'ID']);
    // allocUnsafe: the pages are never touched, so this costs no real memory.
    const huge = Buffer.allocUnsafe(512 * 1024 * 1024 + 1);
    await expect(c.send(['SET', 'huge', huge])).rejects.toMatchObject({
      code: 'ERR_ARGUMENT_TOO_LARGE',
      limit: 512 * 1024 * 1024,
    });
    expect(await c.send(['CLIENT', 'ID'])).toBe(id);
    await c.close();
  });

  it('client — IPv6 loopback by URL', async () => {
    const v6 = await startRedis({ host: '::1' });
    try {
      const c = await createClient(`redis://[::1]:${v6.port}`);
      expect(c.address).toBe(`[::1]:${v6.port}`);
      expect(await c.send(['PING'])).toBe('PONG');
      await c.close();
    } finally {
      await v6.stop();
    }
  });

  it('client — connection refused is a ConnectionError that was never sent', async () => {
    const dead = await startRedis();
    const url = dead.url;
    await dead.stop();
    const err = await createClient(url, { reconnect: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_CONNECTION_NOT_SENT', written: false });
  });
});
