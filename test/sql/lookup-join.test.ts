/**
 * Lookup joins end to end: a JSON-lines stream of events, enriched from lookup tables filled in
 * Redis before the job starts — JSON strings (`METADATA FROM 'key'`), raw strings (a key prefix),
 * hashes read with HMGET and with HGETALL — through `compileSqlScript` and `runJob`, the same test
 * on standalone Redis and on a 3-master cluster. What Redis must hold afterwards is computed here
 * from the events and the lookup data, independently of the engine.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createCluster, type RedisClient, type RedisCluster } from '../../src/index.js';
import { runJob } from '../../src/job/job.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { scrapeValue } from '../support/metrics.js';
import {
  type RedisServer,
  startCluster,
  startRedis,
  type RedisCluster as TestCluster,
} from '../support/redis.js';

type Row = Record<string, unknown>;
type Target = RedisClient | RedisCluster;
const silent = pino({ level: 'silent' });

// ---------------------------------------------------------------------------------------------
// The data: lookup tables (as Redis will hold them) and the events.

interface User {
  name: string;
  tier?: number;
  home?: string;
  since: string;
}
const USERS = new Map<string, User>(
  Array.from({ length: 8 }, (_, k) => {
    const i = k + 1;
    const user: User = {
      name: `U${i}`,
      tier: i % 4,
      home: ['eu', 'us', 'apac', 'mars'][i % 4],
      since: `2024-01-0${i}T03:04:05Z`,
    };
    if (i === 3) delete user.tier; // a missing field reads as NULL
    if (i === 5) delete user.home; // the chained join's key is then NULL
    return [`user:${i}`, user];
  }),
);
const PRODUCTS = new Map(Array.from({ length: 5 }, (_, k) => [100 + k, `Product ${100 + k}`]));
const REGIONS = new Map<string, { label: string; tax?: string }>([
  ['eu', { label: 'Europe', tax: '0.2' }],
  ['us', { label: 'United States', tax: '0.07' }],
  ['apac', { label: 'Asia-Pacific' }],
]);

interface Event {
  event_id: string;
  user_id?: string | null;
  sku: number | null;
  region: string | null;
  qty: number;
}
const EVENTS: Event[] = Array.from({ length: 600 }, (_, i) => {
  const u = (i * 7) % 11; // 0: null, 1..8: known users, 9..10: keys Redis does not have
  const e: Event = {
    event_id: `e-${i}`,
    user_id: u === 0 ? null : `user:${u}`,
    sku: i % 9 === 0 ? null : 100 + ((i * 5) % 7), // 105, 106: missing
    region: ['eu', 'us', 'apac', 'mars', null][i % 5],
    qty: i % 5,
  };
  if (i % 13 === 0) delete e.user_id; // a missing field is NULL too
  return e;
});

async function fill(c: Target): Promise<void> {
  for (const [key, user] of USERS) await c.send(['SET', key, JSON.stringify(user)]);
  for (const [sku, title] of PRODUCTS) await c.send(['SET', `product:${sku}`, title]);
  for (const [code, r] of REGIONS) {
    await c.send([
      'HSET',
      `region:${code}`,
      'label',
      r.label,
      ...(r.tax === undefined ? [] : ['tax', r.tax]),
    ]);
  }
  // The bare prefixes hold values: a null join key must never read them.
  await c.send(['SET', 'product:', 'BARE']);
  await c.send(['HSET', 'region:', 'label', 'BARE', 'tax', '9']);
}

// ---------------------------------------------------------------------------------------------
// The script and what it must write, computed from the data above.

const script = (file: string) => `
CREATE TABLE events (event_id TEXT, user_id TEXT, sku BIGINT, region TEXT, qty INTEGER) WITH (
    connector = 'jsonl', path = '${file}'
);
CREATE TEMPORARY TABLE users (
    id TEXT METADATA FROM 'key' PRIMARY KEY,
    name TEXT,
    tier INTEGER,
    home TEXT,
    since TIMESTAMP
) WITH (connector = 'redis', address = 'redis://replaced:6379', format = 'json');
CREATE TABLE products (sku BIGINT PRIMARY KEY, title TEXT) WITH (
    connector = 'redis', type = 'lookup', address = 'redis://replaced:6379',
    format = 'raw', 'lookup.key_prefix' = 'product:'
);
CREATE TEMPORARY TABLE regions (code TEXT PRIMARY KEY, label TEXT, tax DOUBLE) WITH (
    connector = 'redis', address = 'redis://replaced:6379',
    'lookup.value_type' = 'hash', 'lookup.key_prefix' = 'region:'
);
CREATE TEMPORARY TABLE regions_all (code TEXT PRIMARY KEY, label TEXT) WITH (
    connector = 'redis', address = 'redis://replaced:6379',
    'lookup.value_type' = 'hash', 'lookup.hash.fetch' = 'all', 'lookup.key_prefix' = 'region:'
);
CREATE TABLE wide (
    event_id TEXT, name TEXT, tier INTEGER, since TIMESTAMP, title TEXT, label TEXT, tax DOUBLE, home_label TEXT
) WITH (
    connector = 'redis', type = 'sink', address = 'redis://replaced:6379',
    'sink.type' = 'string', 'sink.key_prefix' = 'wide:', 'sink.key_column' = 'event_id'
);
CREATE TABLE matched (event_id TEXT, user_key TEXT, tier INTEGER, sku BIGINT, title TEXT) WITH (
    connector = 'redis', type = 'sink', address = 'redis://replaced:6379',
    'sink.type' = 'list', 'sink.list_prefix' = 'matched:', 'sink.list_key_column' = 'user_key',
    'sink.operation' = 'Append', 'sink.delivery' = 'exactly_once'
);
CREATE TABLE per_tier (tier INTEGER, events BIGINT, qty BIGINT) WITH (
    connector = 'redis', type = 'sink', address = 'redis://replaced:6379',
    'sink.type' = 'string', 'sink.key_prefix' = 'tier:', 'sink.key_column' = 'tier'
);

-- LEFT joins: every event, nulls where nothing matched; the last join reads the first's row.
INSERT INTO wide
SELECT e.event_id, u.name, u.tier, u.since, p.title, r.label, r.tax, h.label AS home_label
FROM events AS e
LEFT JOIN users AS u ON e.user_id = u.id
LEFT JOIN products p ON p.sku = e.sku
LEFT JOIN regions r ON e.region = r.code
LEFT JOIN regions_all h ON u.home = h.code;

-- INNER joins and a WHERE on a lookup column, into an exactly-once list.
INSERT INTO matched
SELECT e.event_id, u.id AS user_key, u.tier, p.sku, p.title
FROM events e JOIN users u ON u.id = e.user_id INNER JOIN products p ON e.sku = p.sku
WHERE u.tier >= 1;

-- GROUP BY a lookup column.
INSERT INTO per_tier
SELECT u.tier, COUNT(*) AS events, SUM(e.qty) AS qty
FROM events e JOIN users u ON e.user_id = u.id
WHERE u.tier IS NOT NULL
GROUP BY u.tier;
`;

function expected() {
  const wide = new Map<string, Row>();
  const matched = new Map<string, Row[]>();
  const perTier = new Map<number, { tier: number; events: number; qty: number }>();
  for (const e of EVENTS) {
    const user = e.user_id == null ? undefined : USERS.get(e.user_id);
    const title = e.sku === null ? undefined : PRODUCTS.get(e.sku);
    const region = e.region === null ? undefined : REGIONS.get(e.region);
    const home = user?.home === undefined ? undefined : REGIONS.get(user.home);
    wide.set(`wide:${e.event_id}`, {
      event_id: e.event_id,
      name: user?.name ?? null,
      tier: user?.tier ?? null,
      since: user === undefined ? null : new Date(user.since).toISOString(),
      title: title ?? null,
      label: region?.label ?? null,
      tax: region?.tax === undefined ? null : Number(region.tax),
      home_label: home?.label ?? null,
    });
    if (user !== undefined && title !== undefined && user.tier !== undefined && user.tier >= 1) {
      const list = matched.get(`matched:${e.user_id}`) ?? [];
      matched.set(`matched:${e.user_id}`, list);
      list.push({ event_id: e.event_id, user_key: e.user_id, tier: user.tier, sku: e.sku, title });
    }
    if (user?.tier !== undefined) {
      const g = perTier.get(user.tier) ?? { tier: user.tier, events: 0, qty: 0 };
      perTier.set(user.tier, g);
      g.events++;
      g.qty += e.qty;
    }
  }
  return { wide, matched, perTier };
}

async function check(c: Target): Promise<void> {
  const want = expected();
  // Every event once, with the lookups' columns or nulls (never the bare prefixes' values).
  for (const [key, row] of want.wide) {
    expect(JSON.parse((await c.send(['GET', key])) as string), key).toEqual(row);
  }
  expect(want.matched.size).toBeGreaterThan(3);
  for (const [key, rows] of want.matched) {
    const got = ((await c.send(['LRANGE', key, 0, -1])) as string[]).map((v) => JSON.parse(v));
    expect(got, key).toEqual(rows);
  }
  // INNER: no list for a missing user, a NULL key, or a user whose tier fails the WHERE.
  for (const key of [
    'matched:user:9',
    'matched:user:10',
    'matched:user:3',
    'matched:user:4',
    'matched:user:8',
    'matched:',
  ]) {
    expect(await c.send(['EXISTS', key]), key).toBe(0);
  }
  for (const [tier, g] of want.perTier) {
    expect(JSON.parse((await c.send(['GET', `tier:${tier}`])) as string)).toEqual(g);
  }
}

// ---------------------------------------------------------------------------------------------

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'laminar-lookup-join-'));
  await writeFile(join(work, 'events.jsonl'), `${EVENTS.map((e) => JSON.stringify(e)).join('\n')}\n`);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const counter = async (name: string, table: string) => (await scrapeValue(name, { table })) ?? 0;

describe.each(['standalone', 'cluster'] as const)('lookup join — %s', (kind) => {
  let server: RedisServer | undefined;
  let cluster: TestCluster | undefined;
  let client: Target;
  let address: string | string[];

  beforeAll(async () => {
    if (kind === 'standalone') {
      server = await startRedis();
      address = server.url;
      client = await createClient(server.url);
    } else {
      cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });
      address = cluster.addresses.map((a) => `redis://${a}`);
      client = await createCluster({ addresses: address });
    }
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await cluster?.stop();
  });

  it('lookup join — JSON, raw and hash lookups; LEFT and INNER; null and missing keys; GROUP BY a lookup column', async () => {
    await fill(client);
    const spec = await compileSqlScript(script(join(work, 'events.jsonl')), {
      name: `lookup_${kind}`,
      redisAddress: address,
      shards: 2,
    });
    expect(spec.lookups).toHaveLength(4);
    const before = {
      users: await counter('laminar_lookups_total', 'users'),
      products: await counter('laminar_lookups_total', 'products'),
    };
    const result = await runJob(
      { ...spec, batchSize: 64, checkpoint: { dir: join(work, kind), intervalMs: 100 } },
      { logger: silent },
    );
    expect(result.attempts).toBe(1);
    await check(client);

    // Counted per key, never for a NULL key: three queries join users at their first level, two
    // join products (every event's key is looked up at the first level, INNER or not).
    const users = EVENTS.filter((e) => e.user_id != null).length;
    const products = EVENTS.filter((e) => e.sku !== null).length;
    expect((await counter('laminar_lookups_total', 'users')) - before.users).toBe(3 * users);
    expect((await counter('laminar_lookups_total', 'products')) - before.products).toBe(2 * products);
  });
});
