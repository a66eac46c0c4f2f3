import { describe, expect, it } from 'vitest';
import { readLanded } from '../../src/cli/landed.js';
import { sinkInfo } from '../../src/cli/script.js';
import { useRedis } from '../support/fixtures.js';
import { table } from '../support/sink.js';

describe('what landed — tables keyed by a template', () => {
  const redis = useRedis();

  it('counts and samples the keys the template makes, and no other key', async () => {
    const info = sinkInfo(
      table({ type: 'sorted_set', keyTemplate: 'lb:{{{game}}}:{day}', scoreColumn: 's', memberColumn: 'p' }),
      [],
    );
    expect(info).toMatchObject({ prefix: 'lb:{*}:', match: 'lb:{*}:*' });
    await redis.client.send(['ZADD', 'lb:{chess}:mon', 5, 'ann', 9, 'bob']);
    await redis.client.send(['ZADD', 'lb:{go}:tue', 1, 'cy']);
    await redis.client.send(['SET', 'lb:other', 'x']);
    await redis.client.send(['SET', 'unrelated', 'y']);
    const [landed] = await readLanded(redis.client, [info]);
    expect(landed.keys).toBe(2);
    expect(landed.sample).toMatchObject({
      key: 'lb:{chess}:mon',
      length: 2,
      entries: [
        { field: '9', value: 'bob' },
        { field: '5', value: 'ann' },
      ],
    });
  });

  it('a prefix with glob characters matches only itself', async () => {
    const info = sinkInfo(table({ type: 'string', keyPrefix: 'a*[b]:', keyColumn: 'k' }), []);
    await redis.client.send(['SET', 'a*[b]:1', 'x']);
    await redis.client.send(['SET', 'axb:1', 'y']);
    const [landed] = await readLanded(redis.client, [info]);
    expect(landed.keys).toBe(1);
  });
});
