import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import type { Command } from '../../src/resp/reply.js';
import { type RedisServer, startRedis } from '../support/redis.js';

let server: RedisServer;
let c: RedisClient;
beforeAll(async () => {
  server = await startRedis({ args: ['--proto-max-bulk-len', '128mb'] });
  c = await createClient(server.url);
});
afterAll(async () => {
  await c?.close();
  await server?.stop();
});

describe('client under load', () => {
  it('client — a 50 MB value is written and read back intact', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    big[big.length - 1] = 0x7f;
    expect(await c.send(['SET', 'big', big])).toBe('OK');
    expect(await c.send(['STRLEN', 'big'])).toBe(big.length);
    const back = (await c.send(['GET', 'big'], { returnBuffers: true })) as Buffer;
    expect(back.length).toBe(big.length);
    expect(back.equals(big)).toBe(true);
    await c.send(['DEL', 'big']);
  });

  it('client — 1M pipelined commands all answered, in order', async () => {
    const n = 1_000_000;
    const cmds: Command[] = new Array(n);
    for (let i = 0; i < n; i++) cmds[i] = ['INCR', 'counter'];
    const replies = await c.pipeline(cmds);
    expect(replies.length).toBe(n);
    let ordered = true;
    for (let i = 0; i < n; i++) if (replies[i] !== i + 1) ordered = false;
    expect(ordered).toBe(true);
    expect(await c.send(['GET', 'counter'])).toBe(String(n));
  });
});
