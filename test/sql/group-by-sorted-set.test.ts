/**
 * GROUP BY into a sorted set with `maxMembers`: the true top-N leaderboard. Each group's maximum
 * is written again whenever it grows (ZADD, replacing the member's score), and the sink cuts each
 * key to its N highest after every flush; since a maximum only grows, a player cut once can only
 * come back by beating the N-th, so Redis ends with exactly the N highest per-player maxima.
 * GROUP BY into a table that adds each row to what is there (a counter) is refused when the script
 * compiles.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import { runJob } from '../../src/job/job.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { scanKeys } from '../support/read-back.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { generatedRows, scriptError } from './support.js';

const silent = pino({ level: 'silent' });
const TOP = 7;

const SCORES = `CREATE TABLE scores (game TEXT, player TEXT, score BIGINT) WITH (
    connector = 'generator', partitions = '3', rows_per_partition = '3000', seed = '15',
    'fields.game.values' = 'chess,go,shogi',
    'fields.player.cardinality' = '80',
    'fields.score.min' = '0', 'fields.score.max' = '5000'
);
`;

const sink = (name: string, columns: string, options: string) => `CREATE TABLE ${name} (${columns}) WITH (
    connector = 'redis', type = 'sink', address = 'redis://replaced:6379',
    ${options}
);
`;

let server: RedisServer;
let client: RedisClient;
let work: string;

beforeAll(async () => {
  server = await startRedis();
  client = await createClient(server.url);
  work = await mkdtemp(join(tmpdir(), 'laminar-sql-top-n-'));
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

type Row = Record<string, unknown>;

/** Redis's order of a sorted set: by score, then by member. */
const byRank = (a: [string, number], b: [string, number]) =>
  a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** The N highest of `maxima` in Redis's order (lowest first), as ZRANGE WITHSCORES lists them. */
function topN(maxima: Map<string, number>, n: number): [string, number][] {
  return [...maxima].sort(byRank).slice(-n);
}

async function zrange(key: string): Promise<[string, number][]> {
  const r = (await client.send(['ZRANGE', key, 0, -1, 'WITHSCORES'])) as unknown[];
  if (r.length > 0 && Array.isArray(r[0])) return (r as [string, unknown][]).map(([m, s]) => [m, Number(s)]);
  const out: [string, number][] = [];
  for (let i = 0; i < r.length; i += 2) out.push([String(r[i]), Number(r[i + 1])]);
  return out;
}

describe('sql GROUP BY into a sorted set — the true top N', () => {
  it('one board: Redis holds exactly the N highest per-player maxima', async () => {
    const script = await compileSqlScript(
      `${SCORES}${sink(
        'board',
        'player TEXT, score BIGINT',
        `'sink.type' = 'sorted_set', 'sink.sorted_set_prefix' = 'board',
    'sink.member_column' = 'player', 'sink.score_column' = 'score', 'sink.max_members' = '${TOP}'`,
      )}
INSERT INTO board SELECT player, max(score) AS score FROM scores GROUP BY player;`,
      { name: 'top', redisAddress: server.url, shards: 2 },
    );
    // Small batches: many flushes, each updating some players' maxima and cutting the board again.
    await runJob({ ...script, batchSize: 100, checkpoint: { dir: join(work, 'top') } }, { logger: silent });

    const maxima = new Map<string, number>();
    for (const rows of generatedRows(script.sources[0]))
      for (const r of rows as Row[]) {
        const p = r.player as string;
        maxima.set(p, Math.max(maxima.get(p) ?? Number.NEGATIVE_INFINITY, r.score as number));
      }
    expect(maxima.size).toBeGreaterThan(TOP);
    expect(await zrange('board')).toEqual(topN(maxima, TOP));
    expect(await scanKeys(client, 'board*', 100)).toEqual(['board']);
  });

  it('a board per game (GROUP BY game, player): each holds its own N highest maxima', async () => {
    const script = await compileSqlScript(
      `${SCORES}${sink(
        'boards',
        'game TEXT, player TEXT, best BIGINT',
        `'sink.type' = 'sorted_set', 'sink.sorted_set_prefix' = 'lb:', 'sink.sorted_set_key_column' = 'game',
    'sink.member_column' = 'player', 'sink.score_column' = 'best', 'sink.max_members' = '${TOP}'`,
      )}
INSERT INTO boards SELECT game, player, max(score) AS best FROM scores GROUP BY game, player;`,
      { name: 'games', redisAddress: server.url, shards: 3 },
    );
    await runJob({ ...script, batchSize: 150, checkpoint: { dir: join(work, 'games') } }, { logger: silent });

    const maxima = new Map<string, Map<string, number>>();
    for (const rows of generatedRows(script.sources[0]))
      for (const r of rows as Row[]) {
        const game = r.game as string;
        const m = maxima.get(game) ?? new Map<string, number>();
        maxima.set(game, m);
        m.set(
          r.player as string,
          Math.max(m.get(r.player as string) ?? Number.NEGATIVE_INFINITY, r.score as number),
        );
      }
    expect([...maxima.keys()].sort()).toEqual(['chess', 'go', 'shogi']);
    expect((await scanKeys(client, 'lb:*', 100)).sort()).toEqual(['lb:chess', 'lb:go', 'lb:shogi']);
    for (const [game, m] of maxima) expect(await zrange(`lb:${game}`), game).toEqual(topN(m, TOP));
  });

  it('GROUP BY into a counter is refused with a clear error', async () => {
    const err = await scriptError(
      `${SCORES}${sink(
        'hits',
        'player TEXT, n BIGINT',
        `'sink.type' = 'counter', 'sink.counter_prefix' = 'hits:', 'sink.counter_key_column' = 'player',
    'sink.increment_column' = 'n'`,
      )}
INSERT INTO hits SELECT player, count(*) AS n FROM scores GROUP BY player;`,
    );
    expect(err.message).toContain("GROUP BY into counter table 'hits' is not supported");
    expect(err.message).toContain('does not replace what the group wrote last (it adds to it');
    expect(err.message).toMatch(/line \d+, column \d+/);
  });

  it('GROUP BY into a sorted set that adds scores (increment) is refused too', async () => {
    const err = await scriptError(
      `${SCORES}${sink(
        'totals',
        'player TEXT, total BIGINT',
        `'sink.type' = 'sorted_set', 'sink.sorted_set_prefix' = 'tot', 'sink.member_column' = 'player',
    'sink.score_column' = 'total', 'sink.score_mode' = 'increment', 'sink.delivery' = 'at_least_once'`,
      )}
INSERT INTO totals SELECT player, sum(score) AS total FROM scores GROUP BY player;`,
    );
    expect(err.message).toContain("GROUP BY into sorted set table 'totals' is not supported");
    expect(err.message).toContain("a sorted set in the 'replace' score mode");
  });
});
