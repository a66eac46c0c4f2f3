/**
 * A lookup table on a Sentinel-managed primary: declared with the `'sentinel.*'` options, read
 * through the primary the Sentinels name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../src/dev/redis-cli.js';
import { type SentinelGroup, startSentinelGroup } from '../../src/dev/redis-sentinel.js';
import { createRedisLookup, LookupConfigError, parseLookupTable } from '../../src/lookup/index.js';

let group: SentinelGroup;
beforeAll(async () => {
  group = await startSentinelGroup({ sentinels: 1, replicas: 0 });
  await cli(group.serverAt(await group.primaryAddress()), 'set', 'user:1', '{"name":"ada"}');
});
afterAll(async () => {
  await group?.stop();
});

describe('lookup on Sentinel', () => {
  it("lookup sentinel — 'sentinel.addresses' and 'sentinel.master' read from the primary", async () => {
    const table = await parseLookupTable(`CREATE TEMPORARY TABLE users (id TEXT PRIMARY KEY, name TEXT)
      WITH (connector = 'redis', 'sentinel.addresses' = '${group.sentinelUrls.join(',')}',
        'sentinel.master' = '${group.masterName}', 'lookup.key_prefix' = 'user:')`);
    expect(table.profile.connection).toEqual({
      kind: 'sentinel',
      sentinels: group.sentinelUrls,
      masterName: group.masterName,
    });
    const lookup = await createRedisLookup(table);
    try {
      expect(await lookup.lookup(['1', '2'])).toEqual([{ id: '1', name: 'ada' }, null]);
    } finally {
      await lookup.close();
    }
  });

  it('lookup sentinel — a master name without Sentinels, or with a profile, is refused naming the option', async () => {
    const table = (options: string) =>
      parseLookupTable(`CREATE TEMPORARY TABLE u (id TEXT PRIMARY KEY, name TEXT)
        WITH (connector = 'redis', ${options})`);
    const alone = await table("'sentinel.master' = 'mymaster'").catch((e: unknown) => e);
    expect(alone).toBeInstanceOf(LookupConfigError);
    expect((alone as LookupConfigError).option).toBe('sentinel.addresses');
    const both = await table("connection_profile = 'p', 'sentinel.master' = 'mymaster'").catch(
      (e: unknown) => e,
    );
    expect((both as LookupConfigError).option).toBe('sentinel.master');
    await expect(table("'sentinel.mastr' = 'm'")).rejects.toThrow(/did you mean 'sentinel\.master'/);
  });
});
