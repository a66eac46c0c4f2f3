import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/resp/reply.js';
import { useRedis } from '../support/fixtures.js';

const redis = useRedis({ args: ['--proto-max-bulk-len', '128mb'] });

describe('client under load', () => {
  it('client — a 50 MB value is written and read back intact', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    big[big.length - 1] = 0x7f;
    expect(await redis.client.send(['SET', 'big', big])).toBe('OK');
    expect(await redis.client.send(['STRLEN', 'big'])).toBe(big.length);
    const back = (await redis.client.send(['GET', 'big'], { returnBuffers: true })) as Buffer;
    expect(back.length).toBe(big.length);
    expect(back.equals(big)).toBe(true);
    await redis.client.send(['DEL', 'big']);
  });

  it('client — 1M pipelined commands all answered, in order', async () => {
    const n = 1_000_000;
    const cmds: Command[] = new Array(n);
    for (let i = 0; i < n; i++) cmds[i] = ['INCR', 'counter'];
    const replies = await redis.client.pipeline(cmds);
    expect(replies.length).toBe(n);
    let ordered = true;
    for (let i = 0; i < n; i++) if (replies[i] !== i + 1) ordered = false;
    expect(ordered).toBe(true);
    expect(await redis.client.send(['GET', 'counter'])).toBe(String(n));
  });
});
