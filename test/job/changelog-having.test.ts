/**
 * GROUP BY with HAVING over a changelog: Debezium envelopes in a JSON-lines file create, update
 * (some moving a player to another team) and delete players; teams enter the result when they
 * reach enough players with a non-negative score and leave it (a `-D`, so their key is deleted)
 * when they drop below. At the end Redis must hold exactly what the query gives over the final
 * table, in process and through a SIGKILL halfway through a barrier flush and a restart.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import { runJob } from '../../src/job/job.js';
import type { JobSpec } from '../../src/plan/job-spec.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { prng, runUntilFault } from '../support/crash-run.js';
import { buildCli, spawnJob } from '../support/job-process.js';
import { scanKeys } from '../support/read-back.js';
import { type RedisServer, startRedis } from '../support/redis.js';

interface Player {
  id: number;
  team: string;
  score: number;
}

const TEAMS = ['ams', 'ber', 'cdg', 'dub', 'fra', 'lhr', 'mad', 'osl'];
const MIN_PLAYERS = 4;

/**
 * A Debezium changelog of `events` changes over 60 players, and the final table. Some envelopes
 * come wrapped as the JSON converter writes them (`schema`, `payload`), deletes are followed by
 * their tombstone, and the first lines are snapshot reads (`r`).
 */
function changelog(seed: number, events: number): { lines: string[]; final: Map<number, Player> } {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const alive = new Map<number, Player>();
  const lines: string[] = [];
  const emit = (env: Record<string, unknown>) =>
    lines.push(JSON.stringify(random() < 0.3 ? { schema: { type: 'struct' }, payload: env } : env));
  for (let i = 0; i < events; i++) {
    const id = 1 + Math.floor(random() * 60);
    const before = alive.get(id);
    const score = Math.floor(random() * 120) - 20;
    if (before === undefined) {
      const after = { id, team: pick(TEAMS), score };
      alive.set(id, after);
      emit({ before: null, after, op: i < 40 ? 'r' : 'c', ts_ms: i });
    } else if (random() < 0.75) {
      const after = { id, team: random() < 0.3 ? pick(TEAMS) : before.team, score };
      alive.set(id, after);
      emit({ before, after, op: 'u', ts_ms: i });
    } else {
      alive.delete(id);
      emit({ before, after: null, op: 'd', ts_ms: i });
      lines.push(JSON.stringify({ key: { id }, value: null }));
    }
  }
  return { lines, final: alive };
}

/** The query over the final table: per team with enough players scoring >= 0. */
function expected(final: Map<number, Player>): Map<string, { team: string; players: number; total: number }> {
  const teams = new Map<string, { team: string; players: number; total: number }>();
  for (const p of final.values()) {
    if (p.score < 0) continue;
    const t = teams.get(p.team) ?? { team: p.team, players: 0, total: 0 };
    teams.set(p.team, t);
    t.players++;
    t.total += p.score;
  }
  for (const [k, t] of teams) if (t.players < MIN_PLAYERS) teams.delete(k);
  return teams;
}

const script = (file: string) => `
CREATE TABLE players (id BIGINT, team TEXT, score BIGINT) WITH (
    connector = 'jsonl', path = '${file}', 'source.format' = 'debezium'
);
CREATE TABLE teams (team TEXT, players BIGINT, total BIGINT) WITH (
    connector = 'redis', type = 'sink', address = 'redis://replaced:6379',
    'sink.type' = 'string', 'sink.key_prefix' = 'team:', 'sink.key_column' = 'team',
    'sink.mode' = 'upsert'
);
INSERT INTO teams
SELECT team, COUNT(*) AS players, SUM(score) AS total
FROM players
WHERE score >= 0
GROUP BY team
HAVING COUNT(*) >= ${MIN_PLAYERS};
`;

const silent = pino({ level: 'silent' });
let work: string;
const servers: RedisServer[] = [];
const clients: RedisClient[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'laminar-changelog-having-'));
});

afterAll(async () => {
  for (const c of clients) await c.close();
  for (const s of servers) await s.stop();
  await rm(work, { recursive: true, force: true });
});

async function setup(
  name: string,
  seed: number,
  events: number,
): Promise<{ spec: JobSpec; client: RedisClient; final: Map<number, Player> }> {
  const { lines, final } = changelog(seed, events);
  const file = join(work, `${name}.jsonl`);
  await writeFile(file, `${lines.join('\n')}\n`);
  const server = await startRedis();
  servers.push(server);
  const compiled = await compileSqlScript(script(file), { name, redisAddress: server.url, shards: 3 });
  const spec: JobSpec = {
    ...compiled,
    batchSize: 100,
    checkpoint: { dir: join(work, name), intervalMs: 50 },
  };
  const client = await createClient(server.url);
  clients.push(client);
  return { spec, client, final };
}

async function checkRedis(client: RedisClient, final: Map<number, Player>): Promise<void> {
  const want = expected(final);
  expect((await scanKeys(client, 'team:*', 100)).sort()).toEqual(
    [...want.keys()].map((t) => `team:${t}`).sort(),
  );
  for (const [team, t] of want) {
    expect(JSON.parse((await client.send(['GET', `team:${team}`])) as string)).toEqual(t);
  }
}

describe('changelog — GROUP BY with HAVING over Debezium envelopes', () => {
  it('teams enter and leave the result; Redis ends as the query over the final table', async () => {
    const { spec, client, final } = await setup('having_run', 7, 4000);
    // The data must make the test mean something: some teams in the result, some out of it.
    const want = expected(final);
    expect(want.size).toBeGreaterThan(0);
    expect(want.size).toBeLessThan(TEAMS.length);
    await runJob(spec, { logger: silent });
    await checkRedis(client, final);
  });

  it('a job SIGKILLed halfway through a barrier flush resumes from its checkpoint, exact', async () => {
    const [, { spec, client, final }] = await Promise.all([buildCli(), setup('having_kill', 11, 120_000)]);
    const file = join(work, 'having_kill.json');
    await writeFile(file, JSON.stringify(spec));
    const { job: a } = await runUntilFault(file, ['mid-flush:9', 'mid-flush:6', 'mid-flush:4'], async () => {
      await client.send(['FLUSHALL']);
      await rm(spec.checkpoint.dir, { recursive: true, force: true });
    });
    expect(a.stderr()).toContain('fault injected at mid-flush');
    const recorded = a.events.filter((e) => e.event === 'checkpoint').map((e) => e.id);
    expect(recorded.length).toBeGreaterThan(0);

    const b = await spawnJob(file);
    const exit = await b.exited;
    if (exit.code !== 0) throw new Error(b.stderr());
    expect(b.events.find((e) => e.event === 'attempt')?.restored).toBe(recorded.at(-1));
    await checkRedis(client, final);
  });
});
