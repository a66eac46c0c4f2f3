import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import type { RedisClient } from '../../src/resp/client.js';
import { commandSlot, firstKeySlot, NO_SLOT } from '../../src/resp/cluster/command-keys.js';
import { keySlot } from '../../src/resp/cluster/key-slot.js';
import { CrossSlotError } from '../../src/resp/errors.js';
import type { Command } from '../../src/resp/reply.js';
import { type RedisServer, startRedis } from '../support/redis.js';

/** Stream and subcommand forms whose key is not their first argument. */
const forms: ((keys: string[]) => Command)[] = [
  (k) => ['XGROUP', 'CREATE', k[0], 'g', '$', 'MKSTREAM'],
  (k) => ['XGROUP', 'DELCONSUMER', k[0], 'g', 'c'],
  (k) => ['XGROUP', 'SETID', k[0], 'g', '0'],
  (k) => ['XINFO', 'STREAM', k[0]],
  (k) => ['XINFO', 'GROUPS', k[0]],
  (k) => ['OBJECT', 'ENCODING', k[0]],
  (k) => ['XREAD', 'COUNT', '10', 'STREAMS', ...k, ...k.map(() => '0')],
  (k) => ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '5', 'BLOCK', '10', 'STREAMS', ...k, ...k.map(() => '>')],
  (k) => ['XREADGROUP', 'GROUP', 'g', 'streams', 'STREAMS', ...k, ...k.map(() => '>')],
  (k) => ['XACK', k[0], 'g', '1-0'],
  (k) => ['XAUTOCLAIM', k[0], 'g', 'c', '100', '0'],
];

describe('command keys', () => {
  let server: RedisServer;
  let client: RedisClient;
  beforeAll(async () => {
    server = await startRedis();
    client = await createClient(`redis://${server.host}:${server.port}`);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  it('command keys — the slot of stream and subcommand forms is the slot of the keys Redis names (COMMAND GETKEYS)', async () => {
    // One hash tag for every key of a command, so a multi-key form stays in one slot.
    const keyArb = fc.tuple(fc.stringMatching(/^[a-z0-9:]{1,12}$/), fc.integer({ min: 1, max: 3 }));
    await fc.assert(
      fc.asyncProperty(keyArb, fc.nat({ max: forms.length - 1 }), async ([tag, n], f) => {
        const keys = Array.from({ length: f >= 6 && f <= 8 ? n : 1 }, (_, i) => `{${tag}}:s${i}`);
        const cmd = forms[f](keys);
        const named = (await client.send(['COMMAND', 'GETKEYS', ...cmd])) as string[];
        expect(named.length).toBeGreaterThan(0);
        expect(commandSlot(cmd)).toBe(keySlot(named[0]));
        expect(firstKeySlot(cmd)).toBe(keySlot(named[0]));
      }),
      { numRuns: 150 },
    );
  });

  it('command keys — streams of different slots in one XREADGROUP are refused before anything is sent', () => {
    const cmd: Command = ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', 'b', '>', '>'];
    expect(keySlot('a')).not.toBe(keySlot('b'));
    expect(() => commandSlot(cmd)).toThrow(CrossSlotError);
    expect(firstKeySlot(cmd)).toBe(keySlot('a'));
  });

  it('command keys — shard channels go to the slot of their channel (COMMAND GETKEYS names none for them)', () => {
    expect(commandSlot(['SSUBSCRIBE', '{t}a', '{t}b'])).toBe(keySlot('t'));
    expect(() => commandSlot(['SSUBSCRIBE', 'a', 'b'])).toThrow(CrossSlotError);
    expect(commandSlot(['SPUBLISH', 'news', 'hello'])).toBe(keySlot('news'));
  });

  it('command keys — help forms without a key go to any master', () => {
    expect(commandSlot(['XGROUP', 'HELP'])).toBe(NO_SLOT);
    expect(commandSlot(['XINFO', 'HELP'])).toBe(NO_SLOT);
  });
});
