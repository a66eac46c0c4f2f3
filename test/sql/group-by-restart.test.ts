/**
 * GROUP BY state survives restarts: a job is stopped after its first checkpoint (in process) or
 * SIGKILLed halfway through a barrier flush (a child process), then run again from the same
 * checkpoint directory to the end. Redis must then hold exactly the aggregates of a crash-free
 * run — which the rows written before the stop, and the replayed rows after the checkpoint,
 * would get wrong if the restored state were missing (sums short) or the replay counted twice.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import { runJob, startJob } from '../../src/job/job.js';
import type { JobSpec } from '../../src/plan/job-spec.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { CheckpointStore } from '../../src/storage/checkpoint-store.js';
import { runUntilFault } from '../support/crash-run.js';
import { buildCli, spawnJob } from '../support/job-process.js';
import { asMap, scanKeys } from '../support/read-back.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { generatedRows } from './support.js';

const SCRIPT = `
CREATE TABLE events (
    sku TEXT,
    site TEXT,
    qty INTEGER,
    price DOUBLE,
    at TIMESTAMP,
    note TEXT
) WITH (
    connector = 'generator', partitions = '3', rows_per_partition = '6000', seed = '21', rate = '3000',
    'fields.sku.cardinality' = '50',
    'fields.site.values' = 'ams,fra,lhr,nyc',
    'fields.qty.min' = '-5', 'fields.qty.max' = '40', 'fields.qty.null_rate' = '0.1',
    'fields.price.min' = '1', 'fields.price.max' = '100',
    'fields.at.kind' = 'random',
    'fields.note.values' = 'gift,return,sale'
);
CREATE TABLE stock (sku TEXT, site TEXT, total BIGINT, events BIGINT, last_at TIMESTAMP, low INTEGER) WITH (
    connector = 'redis', type = 'sink', address = 'redis://replaced:6379',
    'sink.type' = 'hash', 'sink.hash_key_prefix' = 'stock:',
    'sink.hash_key_column' = 'site', 'sink.hash_field_column' = 'sku'
);
CREATE TABLE per_site (site TEXT, n BIGINT, qty BIGINT, avg_price DOUBLE) WITH (
    connector = 'redis', type = 'sink', address = 'redis://replaced:6379',
    'sink.type' = 'string', 'sink.key_prefix' = 'site:', 'sink.key_column' = 'site'
);
INSERT INTO stock
SELECT sku, site, SUM(qty) AS total, COUNT(*) AS events, MAX(at) AS last_at, MIN(qty) AS low
FROM events
WHERE note <> 'return'
GROUP BY sku, site;
INSERT INTO per_site
SELECT site, COUNT(*) AS n, SUM(qty) AS qty, AVG(price) AS avg_price
FROM events
WHERE note <> 'return'
GROUP BY site;
`;

type Row = Record<string, unknown>;
const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let work: string;
const servers: RedisServer[] = [];
const clients: RedisClient[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'laminar-sql-groupby-'));
});

afterAll(async () => {
  for (const c of clients) await c.close();
  for (const s of servers) await s.stop();
  await rm(work, { recursive: true, force: true });
});

async function setup(name: string): Promise<{ spec: JobSpec; client: RedisClient }> {
  const server = await startRedis();
  servers.push(server);
  const script = await compileSqlScript(SCRIPT, { name, redisAddress: server.url, shards: 3 });
  const spec: JobSpec = { ...script, batchSize: 200, checkpoint: { dir: join(work, name), intervalMs: 150 } };
  const client = await createClient(server.url);
  clients.push(client);
  return { spec, client };
}

/** The aggregates of a crash-free run, from the generated rows. */
function expected(spec: JobSpec) {
  const stock = new Map<string, Map<string, Row>>();
  const sites = new Map<string, { n: number; qty: number | null; sum: number; count: number }>();
  for (const rows of generatedRows(spec.sources[0])) {
    for (const r of rows) {
      if (r.note === 'return') continue;
      const site = r.site as string;
      const qty = r.qty as number | null;
      const hash = stock.get(site) ?? new Map<string, Row>();
      stock.set(site, hash);
      const g = hash.get(r.sku as string) ?? {
        sku: r.sku,
        site,
        total: null,
        events: 0,
        last_at: null,
        low: null,
      };
      hash.set(r.sku as string, g);
      g.events = (g.events as number) + 1;
      if (qty !== null) {
        g.total = ((g.total as number | null) ?? 0) + qty;
        g.low = g.low === null ? qty : Math.min(g.low as number, qty);
      }
      const at = (r.at as Date).toISOString();
      if (g.last_at === null || (g.last_at as string) < at) g.last_at = at;
      const s = sites.get(site) ?? { n: 0, qty: null, sum: 0, count: 0 };
      sites.set(site, s);
      s.n++;
      if (qty !== null) s.qty = (s.qty ?? 0) + qty;
      s.sum += r.price as number;
      s.count++;
    }
  }
  return { stock, sites };
}

async function checkRedis(client: RedisClient, spec: JobSpec): Promise<void> {
  const want = expected(spec);
  expect((await scanKeys(client, 'stock:*', 1000)).sort()).toEqual(
    [...want.stock.keys()].map((s) => `stock:${s}`).sort(),
  );
  for (const [site, hash] of want.stock) {
    const got = asMap(await client.send(['HGETALL', `stock:${site}`]));
    expect(new Map([...got].map(([f, v]) => [f, JSON.parse(v)]))).toEqual(hash);
  }
  expect((await scanKeys(client, 'site:*', 1000)).sort()).toEqual(
    [...want.sites.keys()].map((s) => `site:${s}`).sort(),
  );
  for (const [site, s] of want.sites) {
    const got = JSON.parse((await client.send(['GET', `site:${site}`])) as string) as Row;
    expect({ ...got, avg_price: undefined }).toEqual({ site, n: s.n, qty: s.qty, avg_price: undefined });
    // Floating-point sums depend on the order rows arrive in; the average agrees to rounding.
    expect(got.avg_price as number).toBeCloseTo(s.sum / s.count, 9);
  }
}

describe('sql GROUP BY — state in checkpoints', () => {
  it('a job stopped after its first checkpoint and run again writes the aggregates of a crash-free run', async () => {
    const { spec, client } = await setup('groupby_stop');
    // Checkpoints on demand only: one once rows are flowing, then a stop a little later.
    const manual: JobSpec = { ...spec, checkpoint: { ...spec.checkpoint, intervalMs: 600_000 } };
    // The first run reads slowly (30 s for its rows), so that it is still running when it is
    // stopped however slow the machine; the rows are the same at any rate, and the restart reads
    // at full speed.
    const slow = { ...manual, sources: [{ ...spec.sources[0], rate: 200 }] } as JobSpec;
    const job = startJob(slow, { logger: silent });
    while ((await scanKeys(client, 'stock:*', 100)).length === 0) await sleep(20);
    const taken = await job.checkpoint();
    await sleep(200); // rows after the checkpoint reach Redis: the restart replays them
    await job.stop();
    await expect(job.done).rejects.toMatchObject({ code: 'ERR_JOB_STOPPED' });
    const cp = await new CheckpointStore(spec.checkpoint.dir).latest();
    expect(cp?.id).toBe(taken.id);
    const shards = (cp!.operators as { shards: Record<string, { operator?: { groups: unknown[] } }> }).shards;
    const groups = Object.entries(shards)
      .filter(([name]) => name.startsWith('stock#'))
      .reduce((n, [, s]) => n + (s.operator?.groups.length ?? 0), 0);
    expect(groups).toBeGreaterThan(0);
    // Rows after the checkpoint were written before the stop: the restart replays them.
    expect(Object.values(cp!.sources).some((p) => (p as number) < 6000)).toBe(true);

    const restored: Array<number | null> = [];
    await runJob(manual, { logger: silent, onAttempt: (a) => restored.push(a.restored?.id ?? null) });
    expect(restored).toEqual([cp!.id]);
    await checkRedis(client, spec);
  });

  it('a job SIGKILLed halfway through a barrier flush resumes from its checkpoint, exact', async () => {
    const [, { spec, client }] = await Promise.all([buildCli(), setup('groupby_kill')]);
    const file = join(work, 'groupby_kill.json');
    await writeFile(file, JSON.stringify(spec));
    // 6 shards: inside the 3rd barrier, or the 2nd when a slow machine fits fewer into the run.
    // A barrier after the first means a checkpoint was recorded before the crash.
    const { job: a } = await runUntilFault(file, ['mid-flush:14', 'mid-flush:7'], async () => {
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
    await checkRedis(client, spec);
  });
});
