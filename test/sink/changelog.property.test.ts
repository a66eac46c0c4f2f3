/**
 * Changelogs against a reference model: arbitrary inserts, updates (as `-U`/`+U` pairs and as
 * lone kinds) and deletes, the same keys many times, split over write calls, batches and
 * flushes, for every target that keeps state and both modes; after `flush()` Redis holds exactly
 * what the model holds, on standalone Redis (the direct pipelines and the fence script) and on a
 * 6-node cluster (the command path and per-slot fence calls). `append` tables skip retractions
 * (`'sink.on_error' = 'skip'`), so the model there ignores them.
 */
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createCluster, type Reply } from '../../src/index.js';
import {
  ROW_DELETE,
  ROW_INSERT,
  ROW_UPDATE_AFTER,
  ROW_UPDATE_BEFORE,
  type RowKind,
} from '../../src/sink/changelog.js';
import { validateTable } from '../../src/sink/config/index.js';
import { createSink } from '../../src/sink/create-sink.js';
import type { Delivery, SinkTable, Target } from '../../src/sink/model.js';
import { asMap } from '../support/read-back.js';
import { type RedisCluster, type RedisServer, startCluster, startRedis } from '../support/redis.js';
import { table } from '../support/sink.js';

const silent = pino({ level: 'silent' });
const IDS = ['k0', 'k1', 'k2'];
const FIELDS = ['f0', 'f1'];
const MEMBERS = ['m0', 'm1', 'm2'];

interface TestRow {
  id: string;
  f: string;
  n: number;
  v: string;
}

/** What one key holds, normalized so the model and Redis compare equal. */
type Held = unknown;

/** A target, its model and how to read a key back. */
interface Case {
  name: string;
  target: (prefix: string) => Target;
  delivery?: Delivery;
  /** Applies a write (`retract` false) or a retraction to the model of one key. */
  apply(held: Held | undefined, row: TestRow, retract: boolean, kind: RowKind): Held | undefined;
  read(c: Reader, key: string): Promise<Held | undefined>;
  /** The target sets a TTL on every key a row writes. */
  ttl?: true;
}

interface Reader {
  send(cmd: (string | number)[]): Promise<Reply>;
}

const txt = (r: Reply): string => (Buffer.isBuffer(r) ? r.toString('utf8') : String(r));
const json = (r: TestRow): object => ({ ...r });
const sorted = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
const emptyToUndefined = <T extends object>(o: T): T | undefined =>
  Object.keys(o).length === 0 ? undefined : o;

async function readHash(c: Reader, key: string): Promise<Record<string, string> | undefined> {
  const m = asMap(await c.send(['HGETALL', key]));
  const out: Record<string, string> = {};
  for (const [f, v] of m) out[txt(f as unknown as Reply)] = txt(v as unknown as Reply);
  return emptyToUndefined(sorted(out));
}

async function readZset(c: Reader, key: string): Promise<Record<string, number> | undefined> {
  const flat = ((await c.send(['ZRANGE', key, 0, -1, 'WITHSCORES'])) as Reply[])
    .flatMap((e) => (Array.isArray(e) ? e : [e]))
    .map(txt);
  const out: Record<string, number> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]] = Number(flat[i + 1]);
  return emptyToUndefined(sorted(out));
}

const CASES: Case[] = [
  {
    name: 'string',
    target: (p) => ({ type: 'string', keyPrefix: p, keyColumn: 'id', ttlSecs: 1000 }),
    ttl: true,
    apply: (_h, row, retract) => (retract ? undefined : json(row)),
    read: async (c, key) => {
      const r = await c.send(['GET', key]);
      return r === null ? undefined : JSON.parse(txt(r));
    },
  },
  {
    name: 'string, exactly once',
    target: (p) => ({ type: 'string', keyPrefix: p, keyColumn: 'id', ttlSecs: 1000 }),
    delivery: 'exactly_once',
    ttl: true,
    apply: (_h, row, retract) => (retract ? undefined : json(row)),
    read: async (c, key) => {
      const r = await c.send(['GET', key]);
      return r === null ? undefined : JSON.parse(txt(r));
    },
  },
  {
    name: 'hash field',
    target: (p) => ({
      type: 'hash',
      hashKeyPrefix: p,
      hashKeyColumn: 'id',
      hashFieldColumn: 'f',
      ttlSecs: 1000,
    }),
    ttl: true,
    apply(h, row, retract) {
      const o = { ...((h as Record<string, object>) ?? {}) };
      if (retract) delete o[row.f];
      else o[row.f] = json(row);
      return emptyToUndefined(sorted(o));
    },
    read: async (c, key) => {
      const h = await readHash(c, key);
      return h === undefined
        ? undefined
        : Object.fromEntries(Object.entries(h).map(([f, v]) => [f, JSON.parse(v)]));
    },
  },
  {
    name: 'hash field, exactly once',
    target: (p) => ({ type: 'hash', hashKeyPrefix: p, hashKeyColumn: 'id', hashFieldColumn: 'f' }),
    delivery: 'exactly_once',
    apply(h, row, retract) {
      const o = { ...((h as Record<string, object>) ?? {}) };
      if (retract) delete o[row.f];
      else o[row.f] = json(row);
      return emptyToUndefined(sorted(o));
    },
    read: async (c, key) => {
      const h = await readHash(c, key);
      return h === undefined
        ? undefined
        : Object.fromEntries(Object.entries(h).map(([f, v]) => [f, JSON.parse(v)]));
    },
  },
  {
    name: 'hash per column',
    target: (p) => ({ type: 'hash', hashKeyPrefix: p, hashKeyColumn: 'id', hashLayout: 'columns' }),
    apply: (h, row, retract) =>
      retract ? undefined : sorted({ ...((h as object) ?? {}), f: row.f, n: String(row.n), v: row.v }),
    read: readHash,
  },
  {
    name: 'set',
    target: (p) => ({ type: 'set', setPrefix: p, setKeyColumn: 'id', memberColumn: 'v', ttlSecs: 1000 }),
    ttl: true,
    apply(h, row, retract) {
      const s = new Set((h as string[]) ?? []);
      if (retract) s.delete(row.v);
      else s.add(row.v);
      return s.size === 0 ? undefined : [...s].sort();
    },
    read: async (c, key) => {
      const m = [...((await c.send(['SMEMBERS', key])) as Iterable<Reply>)].map(txt).sort();
      return m.length === 0 ? undefined : m;
    },
  },
  {
    name: 'sorted set',
    target: (p) => ({
      type: 'sorted_set',
      sortedSetPrefix: p,
      sortedSetKeyColumn: 'id',
      scoreColumn: 'n',
      memberColumn: 'v',
    }),
    apply(h, row, retract) {
      const o = { ...((h as Record<string, number>) ?? {}) };
      if (retract) delete o[row.v];
      else o[row.v] = row.n;
      return emptyToUndefined(sorted(o));
    },
    read: readZset,
  },
  {
    name: 'sorted set, increment',
    target: (p) => ({
      type: 'sorted_set',
      sortedSetPrefix: p,
      sortedSetKeyColumn: 'id',
      scoreColumn: 'n',
      memberColumn: 'v',
      scoreMode: 'increment',
    }),
    apply(h, row, retract) {
      const o = { ...((h as Record<string, number>) ?? {}) };
      o[row.v] = (o[row.v] ?? 0) + (retract ? -row.n : row.n);
      return sorted(o);
    },
    read: readZset,
  },
  {
    name: 'counter',
    target: (p) => ({ type: 'counter', counterPrefix: p, counterKeyColumn: 'id', incrementColumn: 'n' }),
    apply: (h, row, retract) => ((h as number) ?? 0) + (retract ? -row.n : row.n),
    read: async (c, key) => {
      const r = await c.send(['GET', key]);
      return r === null ? undefined : Number(txt(r));
    },
  },
  {
    name: 'hash counter',
    target: (p) => ({
      type: 'hash_counter',
      hashCounterPrefix: p,
      hashCounterKeyColumn: 'id',
      hashCounterFieldColumn: 'f',
      incrementColumn: 'n',
    }),
    apply(h, row, retract) {
      const o = { ...((h as Record<string, number>) ?? {}) };
      o[row.f] = (o[row.f] ?? 0) + (retract ? -row.n : row.n);
      return sorted(o);
    },
    read: async (c, key) => {
      const h = await readHash(c, key);
      return h === undefined
        ? undefined
        : Object.fromEntries(Object.entries(h).map(([f, v]) => [f, Number(v)]));
    },
  },
  {
    name: 'list, delete events',
    target: (p) => ({ type: 'list', listPrefix: p, listKeyColumn: 'id', operation: 'Append' }),
    apply: (h, row, retract, kind) => [
      ...((h as object[]) ?? []),
      retract ? { __op: kind === ROW_DELETE ? '-D' : '-U', ...row } : json(row),
    ],
    read: async (c, key) => {
      const l = ((await c.send(['LRANGE', key, 0, -1])) as Reply[]).map((e) => JSON.parse(txt(e)));
      return l.length === 0 ? undefined : l;
    },
  },
  {
    name: 'list, at least once, delete events',
    target: (p) => ({ type: 'list', listPrefix: p, listKeyColumn: 'id', operation: 'Append' }),
    delivery: 'at_least_once',
    apply: (h, row, retract, kind) => [
      ...((h as object[]) ?? []),
      retract ? { __op: kind === ROW_DELETE ? '-D' : '-U', ...row } : json(row),
    ],
    read: async (c, key) => {
      const l = ((await c.send(['LRANGE', key, 0, -1])) as Reply[]).map((e) => JSON.parse(txt(e)));
      return l.length === 0 ? undefined : l;
    },
  },
  {
    name: 'stream, delete events',
    target: (p) => ({ type: 'stream', streamPrefix: p, streamKeyColumn: 'id' }),
    apply: (h, row, retract, kind) => [
      ...((h as object[]) ?? []),
      retract ? { __op: kind === ROW_DELETE ? '-D' : '-U', ...row } : json(row),
    ],
    read: async (c, key) => {
      const entries = (await c.send(['XRANGE', key, '-', '+'])) as Reply[];
      const l = entries.map((e) => JSON.parse(txt(((e as Reply[])[1] as Reply[])[1])));
      return l.length === 0 ? undefined : l;
    },
  },
];

/** One step of a changelog: a row of some kind, or an update as its `-U`/`+U` pair. */
type Step = { kind: RowKind; row: TestRow } | { update: [TestRow, TestRow] };

const rowArb = (id?: string): fc.Arbitrary<TestRow> =>
  fc.record({
    id: id === undefined ? fc.constantFrom(...IDS) : fc.constant(id),
    f: fc.constantFrom(...FIELDS),
    n: fc.integer({ min: -5, max: 9 }),
    v: fc.constantFrom(...MEMBERS),
  });

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constantFrom<RowKind>(ROW_INSERT, ROW_UPDATE_AFTER), row: rowArb() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constantFrom<RowKind>(ROW_DELETE, ROW_UPDATE_BEFORE), row: rowArb() }),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...IDS)
      .chain((id) => fc.tuple(rowArb(id), rowArb(id)))
      .map((update) => ({ update })),
  },
);

/** A changelog, cut into write calls of `cuts[i][0]` rows, each followed by a flush or not. */
interface Changelog {
  steps: Step[];
  cuts: [number, boolean][];
  batchSize: number;
}

const changelogArb: fc.Arbitrary<Changelog> = fc.record({
  steps: fc.array(stepArb, { minLength: 1, maxLength: 40 }),
  cuts: fc.array(fc.tuple(fc.integer({ min: 1, max: 12 }), fc.boolean()), { minLength: 1, maxLength: 8 }),
  batchSize: fc.integer({ min: 1, max: 9 }),
});

/** The changelog's rows and kinds, updates spelt as their -U/+U pairs. */
function flatten(log: Changelog): { rows: TestRow[]; kinds: RowKind[] } {
  const rows: TestRow[] = [];
  const kinds: RowKind[] = [];
  for (const s of log.steps) {
    if ('update' in s) {
      rows.push(s.update[0], s.update[1]);
      kinds.push(ROW_UPDATE_BEFORE, ROW_UPDATE_AFTER);
    } else {
      rows.push(s.row);
      kinds.push(s.kind);
    }
  }
  return { rows, kinds };
}

/** What every key holds after the rows, per the case's model; `append` ignores retractions. */
function modelOf(
  c: Case,
  mode: 'append' | 'upsert',
  prefix: string,
  rows: readonly TestRow[],
  kinds: readonly RowKind[],
): Map<string, Held> {
  const expected = new Map<string, Held>();
  rows.forEach((row, i) => {
    const retract = kinds[i] === ROW_UPDATE_BEFORE || kinds[i] === ROW_DELETE;
    if (retract && mode === 'append') return;
    const key = prefix + row.id;
    const next = c.apply(expected.get(key), row, retract, kinds[i]);
    if (next === undefined) expected.delete(key);
    else expected.set(key, next);
  });
  return expected;
}

let runs = 0;

/**
 * Writes the changelog through a sink for `c` in `mode` and compares every key the rows could
 * touch with the model.
 */
async function check(
  c: Case,
  mode: 'append' | 'upsert',
  profile: SinkTable['profile'],
  reader: Reader,
  log: Changelog,
): Promise<void> {
  const prefix = `cl${++runs}:`;
  const target = c.target(prefix);
  const events = target.type === 'list' || target.type === 'stream';
  const model = validateTable(
    table(target, {
      name: `changelog_${runs}`,
      profile,
      onError: 'skip',
      batchSize: log.batchSize,
      ...(c.delivery === undefined ? {} : { delivery: c.delivery }),
      ...(mode === 'upsert' ? { mode, ...(events ? { deleteEvents: true as const } : {}) } : {}),
    }),
  );
  const { rows, kinds } = flatten(log);
  const expected = modelOf(c, mode, prefix, rows, kinds);
  const sink = await createSink({ model }, { logger: silent });
  try {
    let at = 0;
    let cut = 0;
    while (at < rows.length) {
      const [size, flush] = log.cuts[cut++ % log.cuts.length];
      const to = Math.min(rows.length, at + size);
      const offsets = Array.from({ length: to - at }, (_, j) => at + j);
      await sink.write(rows.slice(at, to), { partition: 'p0', offsets, kinds: kinds.slice(at, to) });
      if (flush) await sink.flush();
      at = to;
    }
    await sink.flush();
  } finally {
    await sink.close();
  }
  for (const id of IDS) {
    const key = prefix + id;
    expect({ key, held: await c.read(reader, key) }).toEqual({ key, held: expected.get(key) });
    if (c.ttl && expected.has(key)) {
      expect({ key, ttl: Number(await reader.send(['TTL', key])) > 0 }).toEqual({ key, ttl: true });
    }
  }
}

/**
 * A crash and its replay on an exactly-once table: a first sink applies rows [0, applied), then a
 * second one (a newer generation, as after a restore) writes rows [from, n) again with the same
 * offsets and kinds, from a replay point at or before `applied`. The fences skip what was applied:
 * Redis must hold the model of every row once, removals and subtractions included.
 */
async function checkReplay(
  c: Case,
  profile: SinkTable['profile'],
  reader: Reader,
  log: Changelog,
  appliedShare: number,
  fromShare: number,
): Promise<void> {
  const prefix = `cr${++runs}:`;
  const target = c.target(prefix);
  const events = target.type === 'list' || target.type === 'stream';
  const model = validateTable(
    table(target, {
      name: `changelog_replay_${runs}`,
      profile,
      batchSize: log.batchSize,
      delivery: 'exactly_once',
      mode: 'upsert',
      ...(events ? { deleteEvents: true as const } : {}),
    }),
  );
  const { rows, kinds } = flatten(log);
  const expected = modelOf(c, 'upsert', prefix, rows, kinds);
  const applied = Math.floor(appliedShare * rows.length);
  const from = Math.floor(fromShare * applied);
  const offsets = rows.map((_, i) => i);
  for (const [generation, start, end] of [
    [1, 0, applied],
    [2, from, rows.length],
  ]) {
    const sink = await createSink({ model }, { logger: silent, generation });
    try {
      if (end > start) {
        await sink.write(rows.slice(start, end), {
          partition: 'p0',
          offsets: offsets.slice(start, end),
          kinds: kinds.slice(start, end),
        });
      }
      await sink.flush();
    } finally {
      await sink.close();
    }
  }
  for (const id of IDS) {
    const key = prefix + id;
    expect({ key, held: await c.read(reader, key) }).toEqual({ key, held: expected.get(key) });
  }
}

describe('changelog — standalone Redis', () => {
  let server: RedisServer;
  let client: Awaited<ReturnType<typeof createClient>>;
  beforeAll(async () => {
    server = await startRedis();
    client = await createClient(server.url);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });
  const profile = (): SinkTable['profile'] => ({
    name: 'p',
    connection: { kind: 'standalone', address: server.url },
  });

  // Every target once, exactly once (the cases that differ only in delivery are left out).
  const AT_LEAST_ONCE_TWINS = ['string', 'hash field', 'list, at least once, delete events'];
  for (const c of CASES.filter((x) => !AT_LEAST_ONCE_TWINS.includes(x.name))) {
    it(`changelog — ${c.name}, upsert, exactly once: a crash and a replay from any point apply each row once`, async () => {
      await fc.assert(
        fc.asyncProperty(
          changelogArb,
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (log, applied, from) => checkReplay(c, profile(), client, log, applied, from),
        ),
        { numRuns: 15 },
      );
    });
  }
  for (const c of CASES) {
    for (const mode of ['append', 'upsert'] as const) {
      it(`changelog — ${c.name}, ${mode}: after flush() Redis holds what the model holds`, async () => {
        await fc.assert(
          fc.asyncProperty(changelogArb, (log) => check(c, mode, profile(), client, log)),
          { numRuns: 25 },
        );
      });
    }
  }
});

describe('changelog — Redis Cluster', () => {
  let cluster: RedisCluster;
  let client: Awaited<ReturnType<typeof createCluster>>;
  beforeAll(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
    client = await createCluster({ addresses: cluster.addresses.map((a) => `redis://${a}`) });
  });
  afterAll(async () => {
    await client?.close();
    await cluster?.stop();
  });
  const profile = (): SinkTable['profile'] => ({
    name: 'cluster',
    connection: { kind: 'cluster', addresses: cluster.addresses.map((a) => `redis://${a}`) },
  });

  for (const c of CASES) {
    it(`changelog — ${c.name}, upsert, on a cluster: after flush() Redis holds what the model holds`, async () => {
      await fc.assert(
        fc.asyncProperty(changelogArb, (log) => check(c, 'upsert', profile(), client, log)),
        { numRuns: 6 },
      );
    });
  }
  it('changelog — string, append, on a cluster: retractions are skipped, writes land', async () => {
    await fc.assert(
      fc.asyncProperty(changelogArb, (log) => check(CASES[0], 'append', profile(), client, log)),
      { numRuns: 6 },
    );
  });
});
