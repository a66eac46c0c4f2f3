import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DOCUMENTED_EXAMPLES, defaultExamplesDir, EXAMPLES, runExamples } from '../../src/cli/examples.js';
import type { Landed } from '../../src/cli/landed.js';
import { SEED_EXAMPLES } from '../sql/seed-examples-sql.js';
import { findFreePort, isRedisReachable, withRedis } from '../support/redis.js';

type Event = { event: string } & Record<string, unknown>;

async function runJson(redis: string): Promise<Event[]> {
  const lines: string[] = [];
  const ok = await runExamples({ redis, out: (l) => lines.push(l), progressStream: new PassThrough() });
  const events = lines.map((l) => JSON.parse(l) as Event);
  expect(ok, JSON.stringify(events.filter((e) => e.event === 'summary'))).toBe(true);
  return events;
}

/** What every run of the examples must leave in Redis. */
function checkLanded(events: Event[]): void {
  const landed = events.find((e) => e.event === 'landed')!.tables as Landed[];
  const by = Object.fromEntries(landed.map((l) => [l.table, l]));
  expect(Object.keys(by)).toEqual(['sessions', 'leaderboard', 'inventory_updates', 'top_scores']);
  // Sessions: strings with the documented 30-minute TTL, JSON with the projected columns.
  expect(by.sessions).toMatchObject({ type: 'string', prefix: 'session:' });
  expect(by.sessions.keys).toBeGreaterThan(0);
  expect(by.sessions.sample!.ttl).toBeGreaterThan(1700);
  expect(by.sessions.sample!.ttl).toBeLessThanOrEqual(1800);
  const session = JSON.parse(by.sessions.sample!.entries[0].value);
  expect(Object.keys(session)).toEqual([
    'session_id',
    'user_id',
    'user_email',
    'permissions',
    'last_activity',
  ]);
  expect(Object.keys(session.permissions)).toEqual(['roles', 'scopes']);
  // Leaderboard: lists capped at 100, scores above 1000 only.
  expect(by.leaderboard).toMatchObject({ type: 'list', prefix: 'leaderboard:' });
  expect(by.leaderboard.sample!.length).toBeLessThanOrEqual(100);
  for (const e of by.leaderboard.sample!.entries) expect(JSON.parse(e.value).score).toBeGreaterThan(1000);
  // Inventory: one hash per warehouse, one field per SKU.
  expect(by.inventory_updates).toMatchObject({ type: 'hash', prefix: 'stock:' });
  expect(by.inventory_updates.sample!.length).toBeGreaterThan(0);
  const stock = JSON.parse(by.inventory_updates.sample!.entries[0].value);
  expect(Object.keys(stock)).toEqual(['sku', 'warehouse', 'quantity', 'updated_at']);
  expect(by.inventory_updates.sample!.key).toBe(`stock:${stock.warehouse}`);
  // Top scores: one sorted set per game (five games), trimmed to the 100 best players.
  expect(by.top_scores).toMatchObject({ type: 'sorted_set', prefix: 'top_scores:', keys: 5 });
  expect(by.top_scores.sample!.length).toBe(100);
}

describe('main job: the documented examples', () => {
  it('examples — each script holds its documented example verbatim', async () => {
    for (const name of DOCUMENTED_EXAMPLES) {
      const script = await readFile(join(defaultExamplesDir(), `${name}.sql`), 'utf8');
      expect(script, name).toContain(SEED_EXAMPLES[name]);
    }
  });

  it('examples — into a Redis without a password: all four land, the password adaptation is told', async () => {
    await withRedis(async (server) => {
      const events = await runJson(server.url);
      const redis = events.find((e) => e.event === 'redis')!;
      expect(redis).toMatchObject({ address: server.url, private: false });
      expect((redis.notes as string[]).join('\n')).toMatch(/has no password/);
      expect(events.filter((e) => e.event === 'summary').map((e) => e.outcome)).toEqual(
        EXAMPLES.map(() => 'finished'),
      );
      checkLanded(events);
    });
  });

  it('examples — nothing answers: a private password-protected server, stopped afterwards; bars on a terminal', async () => {
    const port = await findFreePort();
    const passwordBefore = process.env.REDIS_PASSWORD;
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
    let drawn = '';
    tty.setEncoding('utf8').on('data', (c: string) => (drawn += c));
    const lines: string[] = [];
    const ok = await runExamples({
      redis: `redis://127.0.0.1:${port}`,
      out: (l) => lines.push(l),
      progressStream: tty,
    });
    const text = lines.join('\n');
    expect(ok, text).toBe(true);
    expect(text).toMatch(/started a private redis-server at redis:\/\/127\.0\.0\.1:(\d+)/);
    expect(text).toMatch(/requires a generated password, put in REDIS_PASSWORD/);
    expect(text).toMatch(/^sessions: finished after/m);
    expect(text).toMatch(/What landed in Redis at redis:\/\/127\.0\.0\.1:\d+:/);
    expect(text).toMatch(/session:\*\s+[\d,]+ string keys/);
    expect(text).toMatch(/\(TTL 1[78]\d\d s\)/);
    expect(text).toMatch(/^private redis-server stopped$/m);
    expect(text).toMatch(/top_scores:\*\s+5 sorted_set keys/);
    expect(text).toMatch(/top_scores:\w+ {2}\(sorted set of 100;/);
    for (const table of ['sessions', 'leaderboard', 'inventory_updates', 'top_scores'])
      expect(drawn).toContain(table);
    const privatePort = Number(/private redis-server at redis:\/\/127\.0\.0\.1:(\d+)/.exec(text)![1]);
    expect(await isRedisReachable('127.0.0.1', privatePort)).toBe(false);
    expect(process.env.REDIS_PASSWORD).toBe(passwordBefore);
  });
});
