import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '../../src/producer/producer.js';
import type { RowEncodingName } from '../../src/wire/row-batch-codec.js';
import { type RuntimeFixture, runtimeFixture, type TableSpec } from '../support/runtime.js';

/**
 * The new targets through the distributed runtime: a producer's rows, sharded over two workers,
 * land as they would through a sink — whichever row encoding travels (keyed rows carry key, field
 * and value; tables whose rows carry a TTL or one field per column travel as JSON instead).
 */
const table = (target: Record<string, unknown>, shards = 3): TableSpec => ({
  config: { connectorType: { target } },
  shards,
});

describe('runtime — producer rows into every new target', () => {
  let f: RuntimeFixture | undefined;

  beforeAll(async () => {
    f = await runtimeFixture({
      workers: 2,
      tables: {
        board: table({
          sortedSetPrefix: 'board:',
          sortedSetKeyColumn: 'game',
          scoreColumn: 'score',
          memberColumn: 'player',
          scoreMode: 'greater',
        }),
        hits: table({ counterPrefix: 'hits:', counterKeyColumn: 'game', incrementColumn: 'n' }),
        perPlayer: table({
          type: 'hash_counter',
          keyTemplate: 'pp:{{{game}}}',
          hashCounterFieldColumn: 'player',
          incrementColumn: 'n',
        }),
        log: table({ streamPrefix: 'log:', streamKeyColumn: 'game' }),
        profile: table({
          type: 'hash',
          keyTemplate: 'profile:{player}',
          hashLayout: 'columns',
          ttlColumn: 'ttl',
        }),
      },
    });
  });

  afterAll(() => f?.stop());

  for (const encoding of ['keyed', 'json', 'v8'] as RowEncodingName[]) {
    it(`${encoding} rows land in sorted sets, counters, streams and hash columns`, async () => {
      const { rt, client } = f!;
      const tag = `${encoding}-`;
      const rows = Array.from({ length: 600 }, (_, i) => ({
        game: `${tag}g${i % 4}`,
        player: `${tag}p${i % 30}`,
        score: (i * 37) % 1000,
        n: 1 + (i % 3),
        ttl: 600,
      }));
      for (const name of ['board', 'hits', 'perPlayer', 'log', 'profile']) {
        const p = new Producer({ coordinator: rt.grpcAddress, table: name, batchRows: 100, encoding });
        try {
          await p.write(rows);
          await p.flush();
        } finally {
          await p.close();
        }
      }
      for (let g = 0; g < 4; g++) {
        const game = `${tag}g${g}`;
        const mine = rows.filter((r) => r.game === game);
        const best = new Map<string, number>();
        for (const r of mine) best.set(r.player, Math.max(best.get(r.player) ?? -1, r.score));
        const zs = (await client.send(['ZRANGE', `board:${game}`, 0, -1, 'WITHSCORES'])) as unknown[];
        expect(zs.length).toBe(best.size);
        expect(Number(await client.send(['ZSCORE', `board:${game}`, mine[0].player]))).toBe(
          best.get(mine[0].player),
        );
        expect(Number(await client.send(['GET', `hits:${game}`]))).toBe(mine.reduce((s, r) => s + r.n, 0));
        expect(Number(await client.send(['XLEN', `log:${game}`]))).toBe(mine.length);
        const pp = (await client.send(['HGETALL', `pp:{${game}}`])) as Map<string, string>;
        const sum = [...pp.values()].reduce((s, v) => s + Number(v), 0);
        expect(sum).toBe(mine.reduce((s, r) => s + r.n, 0));
      }
      const prof = (await client.send(['HGETALL', `profile:${tag}p7`])) as Map<string, string>;
      const last = rows.filter((r) => r.player === `${tag}p7`).at(-1)!;
      expect(Object.fromEntries(prof)).toEqual({
        game: last.game,
        score: String(last.score),
        n: String(last.n),
      });
      const ttl = Number(await client.send(['TTL', `profile:${tag}p7`]));
      expect(ttl).toBeGreaterThan(500);
    });
  }
});
