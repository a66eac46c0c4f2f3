import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LEASE_TTL_MS } from '../../src/coordinator/state-lease.js';
import { Producer } from '../../src/producer/producer.js';
import { createClient, type RedisClient } from '../../src/resp/client.js';
import { buildCli } from '../support/job-process.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import {
  type CoordinatorProcess,
  type Spawned,
  spawnCoordinatorOnState,
  spawnWorker,
} from '../support/runtime-processes.js';
import { createStreamedTables, STREAMED_TABLES } from '../support/runtime-tables.js';
import { until } from '../support/until.js';

/**
 * Coordinator failover between processes that share nothing but a Redis state store: three
 * coordinators (one leads, two wait as standbys), three workers and three producers given all
 * three coordinator addresses, streaming into a list, a string and a hash table. The leader is
 * SIGKILLed mid-stream: a standby must take the lease over within the stated bound, and Redis must
 * end with every list row exactly once, in order, and the last value of every key and field.
 * `LAMINAR_SOAK=1` (npm run test:soak) streams 1M rows.
 */
const SOAK = process.env.LAMINAR_SOAK === '1';
const ROWS_PER_TABLE = SOAK ? 334_000 : 15_000;
const LIST_KEYS = 20;
const STRING_KEYS = 1_000;
const HASH_KEYS = 8;
const HASH_FIELDS = 100;
const SHARDS = 3;
/** The CLI's default `--lease-ttl`: the failover is tested with default settings. */
const LEASE_TTL_MS = DEFAULT_LEASE_TTL_MS;
/** The stated bound: a standby leads within the lease TTL plus this much (startup on a loaded machine). */
const TAKEOVER_MARGIN_MS = 20_000;

/** A coordinator of this test: its own TMPDIR, the test's shard count. */
const startCoordinator = (dir: string, stateUrl: string) =>
  spawnCoordinatorOnState(join(dir, 'data'), stateUrl, ['--shards', String(SHARDS)], { TMPDIR: dir });

describe('coordinator failover — three coordinators on one Redis state store, the leader SIGKILLed', () => {
  let redis: RedisServer;
  let dir: string;
  let client: RedisClient;
  const coordinators: CoordinatorProcess[] = [];
  const workers: Spawned[] = [];

  const own = async (name: string) => {
    const d = join(dir, name);
    await mkdir(d, { recursive: true });
    return d;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'laminar-failover-'));
    [redis] = await Promise.all([startRedis(), buildCli()]);
    client = await createClient(redis.url);
    const stateUrl = `${redis.url}?store=failover`;
    const leader = await startCoordinator(await own('c0'), stateUrl);
    coordinators.push(leader);
    await leader.leading;
    for (const name of ['c1', 'c2']) coordinators.push(await startCoordinator(await own(name), stateUrl));
    // Both standbys wait: alive, not ready.
    for (const s of coordinators.slice(1)) {
      await until(
        'a standby answering its probes',
        () =>
          fetch(`http://${s.http}/readyz`).then(
            (r) => r.status,
            () => 0,
          ),
        (st) => st === 503,
      );
    }
    const all = coordinators.map((c) => c.grpc).join(',');
    workers.push(
      ...(await Promise.all(
        [0, 1, 2].map(async (i) => spawnWorker(all, `w${i}`, { TMPDIR: await own(`w${i}`) })),
      )),
    );
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    for (const c of coordinators)
      if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'a standby leads, and every row lands exactly once with every key at its last value',
    async () => {
      const [leader, ...standbys] = coordinators;
      const http = leader.http;
      await createStreamedTables(http, redis.url, SHARDS);

      const addresses = coordinators.map((c) => c.grpc);
      const rowOf: Record<string, (i: number) => Record<string, unknown>> = {
        events: (i) => ({ g: `g${i % LIST_KEYS}`, i }),
        latest: (i) => ({ k: `k${i % STRING_KEYS}`, i }),
        stock: (i) => ({ g: `g${i % HASH_KEYS}`, f: `f${i % HASH_FIELDS}`, i }),
      };
      let written = 0;
      let killedAt = 0;
      const feed = async (table: string) => {
        const p = new Producer({ coordinator: addresses, table, producerId: `p-${table}`, batchRows: 500 });
        try {
          for (let i = 0; i < ROWS_PER_TABLE; i += 500) {
            const rows = [];
            for (let j = i; j < Math.min(i + 500, ROWS_PER_TABLE); j++) rows.push(rowOf[table](j));
            await p.write(rows);
            written += rows.length;
            if (killedAt === 0 && written > ROWS_PER_TABLE * 1.2) {
              killedAt = Date.now();
              leader.child.kill('SIGKILL');
            }
          }
          await p.flush();
          return p.stats();
        } finally {
          await p.close();
        }
      };
      const streamed = Promise.all(Object.keys(STREAMED_TABLES).map(feed));
      await until(
        'the leader killed mid-stream',
        () => killedAt,
        (t) => t > 0,
        120_000,
      );
      // A standby takes the lease over and serves: it announces where it listens only then.
      const bound = LEASE_TTL_MS + TAKEOVER_MARGIN_MS;
      const next = await Promise.race([
        ...standbys.map((s) => s.leading.then(() => s)),
        new Promise<undefined>((r) => setTimeout(() => r(undefined), bound)),
      ]);
      expect(next, `a standby leads within ${bound} ms of the SIGKILL`).toBeDefined();
      const ready = await fetch(`http://${next!.http}/readyz`);
      expect(ready.status).toBe(200);
      await streamed;
      expect(killedAt).toBeGreaterThan(0);
      // The other standby still waits.
      const other = standbys.find((s) => s !== next)!;
      expect(await fetch(`http://${other.http}/readyz`).then((r) => r.status)).toBe(503);

      // Lists: every row once, in input order.
      for (let g = 0; g < LIST_KEYS; g++) {
        const items = (await client.send(['LRANGE', `ev:g${g}`, '0', '-1'])) as Buffer[];
        const got = items.map((b) => (JSON.parse(b.toString()) as { i: number }).i);
        const want: number[] = [];
        for (let i = g; i < ROWS_PER_TABLE; i += LIST_KEYS) want.push(i);
        expect(got.length).toBe(want.length);
        expect(got).toEqual(want);
      }
      // Strings: the last row of every key.
      const keys = Array.from({ length: STRING_KEYS }, (_, k) => `s:k${k}`);
      const values = (await client.send(['MGET', ...keys])) as (Buffer | null)[];
      for (let k = 0; k < STRING_KEYS; k++) {
        const last = k + STRING_KEYS * Math.floor((ROWS_PER_TABLE - 1 - k) / STRING_KEYS);
        expect((JSON.parse(values[k]!.toString()) as { i: number }).i).toBe(last);
      }
      // Hashes: the last row of every (key, field).
      for (let g = 0; g < HASH_KEYS; g++) {
        const flat = (await client.send(['HGETALL', `h:g${g}`])) as Buffer[] | Map<Buffer, Buffer>;
        const entries = flat instanceof Map ? [...flat] : pairs(flat);
        // Every field a key's rows reach.
        expect(entries.length).toBe(lcm(HASH_KEYS, HASH_FIELDS) / HASH_KEYS);
        for (const [f, v] of entries) {
          const i = (JSON.parse(v.toString()) as { i: number }).i;
          expect(i % HASH_KEYS).toBe(g);
          expect(`f${i % HASH_FIELDS}`).toBe(f.toString());
          expect(i + lcm(HASH_KEYS, HASH_FIELDS)).toBeGreaterThanOrEqual(ROWS_PER_TABLE);
        }
      }
    },
    SOAK ? 900_000 : 180_000,
  );
});

function pairs(flat: Buffer[]): Array<[Buffer, Buffer]> {
  const out: Array<[Buffer, Buffer]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

function lcm(a: number, b: number): number {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  return (a * b) / gcd(a, b);
}
