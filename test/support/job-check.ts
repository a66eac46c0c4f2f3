/**
 * Crash-test jobs and their checker: a job spec writing one generated source into a string, a
 * list and a hash table (one per front door: SQL DDL, JSON bodies, TypeScript model) — and, with
 * `targets`, into the non-idempotent targets too (integer and float counters, a hash counter, a
 * stream, a sorted set in increment mode) — and the expected Redis state computed from the
 * deterministic generator.
 */
import { type GeneratedRow, generatedRow } from '../../src/dataflow/sources/generator.js';
import type { JobSpec, QuerySpec } from '../../src/plan/job-spec.js';
import { createClient, type RedisClient } from '../../src/resp/client.js';
import { createCluster, type RedisCluster } from '../../src/resp/cluster/cluster-client.js';
import type { Command, Reply } from '../../src/resp/reply.js';
import type { SinkTable } from '../../src/sink/model.js';

export interface CrashJobOptions {
  name: string;
  dir: string;
  /** `redis://host:port` of a standalone server, or the seeds of a cluster. */
  redis: { url: string } | { urls: string[] };
  partitions: number;
  rowsPerPartition: number;
  seed?: number;
  keys?: number;
  groups?: number;
  /** Rows per second per partition (unset: unpaced). */
  rate?: number;
  shards?: number;
  intervalMs?: number;
  /** Key prefix of all three tables (`<ns>s:`, `<ns>l:`, `<ns>h:`). */
  ns?: string;
  /** Delivery of the string and hash tables (lists are exactly-once by default). */
  delivery?: 'at_least_once' | 'exactly_once';
  /**
   * Also write an eighth of the rows (by queries) into the targets whose commands are not
   * idempotent (INCRBY, INCRBYFLOAT, HINCRBY, XADD, ZINCRBY), exactly-once through the fences,
   * one shard each: see {@link targetTables}. Default false.
   */
  targets?: boolean;
}

/** The generator parameters a spec was built with, for {@link expectedState}. */
export type GenParams = Required<
  Pick<CrashJobOptions, 'partitions' | 'rowsPerPartition' | 'seed' | 'keys' | 'groups'>
>;

export function genParams(o: CrashJobOptions): GenParams {
  return {
    partitions: o.partitions,
    rowsPerPartition: o.rowsPerPartition,
    seed: o.seed ?? 7,
    keys: o.keys ?? 2000,
    groups: o.groups ?? 24,
  };
}

export function crashJobSpec(o: CrashJobOptions): JobSpec {
  const g = genParams(o);
  const ns = o.ns ?? '';
  const delivery = o.delivery ?? 'at_least_once';
  const shards = o.shards ?? 2;
  const conn =
    'url' in o.redis ? `address = '${o.redis.url}'` : `'cluster.addresses' = '${o.redis.urls.join(',')}'`;
  const connection = 'url' in o.redis ? { address: o.redis.url } : { addresses: o.redis.urls };
  const targets = o.targets === true ? targetTables(o, conn, connection) : undefined;
  const model: SinkTable = {
    name: `${o.name}_hashes`,
    profile: {
      name: 'p',
      connection:
        'url' in o.redis
          ? { kind: 'standalone', address: o.redis.url }
          : { kind: 'cluster', addresses: o.redis.urls },
    },
    target: { type: 'hash', hashKeyPrefix: `${ns}h:`, hashKeyColumn: 'g', hashFieldColumn: 'f' },
    format: 'json',
    onError: 'fail',
    batchSize: 1000,
    flushIntervalMs: 50,
    delivery,
  };
  return {
    name: o.name,
    checkpoint: { dir: o.dir, intervalMs: o.intervalMs ?? 200 },
    sources: [
      {
        type: 'generator',
        name: 'gen',
        partitions: g.partitions,
        rowsPerPartition: g.rowsPerPartition,
        seed: g.seed,
        keys: g.keys,
        groups: g.groups,
        ...(o.rate === undefined ? {} : { rate: o.rate }),
      },
    ],
    tables: [
      {
        sql: `CREATE TABLE ${o.name}_strings (id TEXT, p INTEGER, i BIGINT, k TEXT, g TEXT, f TEXT, v BIGINT, n TEXT)
          WITH (connector = 'redis', ${conn}, type = 'sink', 'sink.type' = 'string',
                'sink.key_prefix' = '${ns}s:', 'sink.key_column' = 'k', 'sink.delivery' = '${delivery}',
                'sink.flush_interval_ms' = '50')`,
        shards,
      },
      {
        profile: { name: 'p', connector: 'redis', config: { connection } },
        table: {
          name: `${o.name}_lists`,
          connector: 'redis',
          config: {
            connectorType: { target: { listPrefix: `${ns}l:`, listKeyColumn: 'g', operation: 'Append' } },
            sink: { flushIntervalMs: 50 },
          },
        },
        shards,
      },
      { model, shards },
      ...(targets?.tables ?? []),
    ],
    ...(targets === undefined ? {} : { queries: targets.queries }),
  };
}

/**
 * Key prefixes of the target tables under a namespace: integer counter, float counter, hash
 * counter, stream, sorted set.
 */
export const TARGET_PREFIXES = { counter: 'c:', float: 'cf:', hashCounter: 'hc:', stream: 'x:', zset: 'z:' };

/**
 * The generated rows the target tables take, by their queries' WHERE: one in eight, those whose
 * `v` (a signed 32-bit integer) is ±1 modulo 8 — gaps in each partition's offsets, as a WHERE
 * leaves them for the fences, at an eighth of the cost.
 */
export const isTargetRow = (r: GeneratedRow): boolean => r.v % 8 === 1 || r.v % 8 === -1;

/** Their `half` column: `v / 2`, of either sign, each an odd multiple of 0.5 (`v` is odd). */
export const halfOf = (r: GeneratedRow): number => r.v / 2;

/**
 * The tables of the non-idempotent targets, each fed by a query of the generator (the target rows,
 * {@link isTargetRow}; a row keeps its partition and offset), all exactly-once — the SQL and JSON
 * tables by their type's default (no delivery given), the model ones (where delivery is a
 * required field) explicitly — over the three front doors:
 *
 * - `<ns>c:<g>`: counter (SQL), `INCRBY v` — integer sums of `v` (of either sign, below 2^31);
 * - `<ns>cf:<g>`: float counter (JSON body), `INCRBYFLOAT half` row by row — multiples of 0.5,
 *   whose sums are exact in binary;
 * - `<ns>hc:<g>` field `<k>`: hash counter (model), `HINCRBY v`;
 * - `<ns>x:<g>`: stream (model), `XADD` of the row as JSON (its `p` and `i` tell the row);
 * - `<ns>z:<g>` member `<k>`: sorted set in increment mode (SQL, key template), `ZINCRBY half`.
 */
function targetTables(
  o: CrashJobOptions,
  conn: string,
  connection: { address: string } | { addresses: string[] },
): { tables: JobSpec['tables']; queries: QuerySpec[] } {
  const ns = o.ns ?? '';
  // One shard each: an eighth of the rows needs no more, and each shard is an actor with its
  // own connections (a pool per shard on a cluster) that every start of the job sets up.
  const shards = 1;
  const P = TARGET_PREFIXES;
  const where = 'WHERE v % 8 = 1 OR v % 8 = -1';
  const half = 'v / 2.0 AS half';
  const profile: SinkTable['profile'] = {
    name: 'p',
    connection:
      'url' in o.redis
        ? { kind: 'standalone', address: o.redis.url }
        : { kind: 'cluster', addresses: o.redis.urls },
  };
  const model = (name: string, target: SinkTable['target']): SinkTable => ({
    name: `${o.name}_${name}`,
    profile,
    target,
    format: 'json',
    onError: 'fail',
    batchSize: 1000,
    flushIntervalMs: 50,
    delivery: 'exactly_once',
  });
  const tables: JobSpec['tables'] = [
    {
      sql: `CREATE TABLE ${o.name}_counters (id TEXT, p INTEGER, i BIGINT, k TEXT, g TEXT, f TEXT, v BIGINT, n TEXT)
        WITH (connector = 'redis', ${conn}, type = 'sink', 'sink.type' = 'counter',
              'sink.counter_prefix' = '${ns}${P.counter}', 'sink.counter_key_column' = 'g',
              'sink.increment_column' = 'v', 'sink.flush_interval_ms' = '50')`,
      shards,
    },
    {
      profile: { name: 'p', connector: 'redis', config: { connection } },
      table: {
        name: `${o.name}_float_counters`,
        connector: 'redis',
        config: {
          connectorType: {
            target: {
              type: 'counter',
              counterPrefix: `${ns}${P.float}`,
              counterKeyColumn: 'g',
              incrementColumn: 'half',
              counterKind: 'float',
            },
          },
          sink: { flushIntervalMs: 50 },
        },
      },
      shards,
    },
    {
      model: model('hash_counters', {
        type: 'hash_counter',
        hashCounterPrefix: `${ns}${P.hashCounter}`,
        hashCounterKeyColumn: 'g',
        hashCounterFieldColumn: 'k',
        incrementColumn: 'v',
      }),
      shards,
    },
    {
      model: model('streams', { type: 'stream', streamPrefix: `${ns}${P.stream}`, streamKeyColumn: 'g' }),
      shards,
    },
    {
      sql: `CREATE TABLE ${o.name}_scores (g TEXT, k TEXT, half DOUBLE)
        WITH (connector = 'redis', ${conn}, type = 'sink', 'sink.type' = 'sorted_set',
              'sink.key_template' = '${ns}${P.zset}{g}', 'sink.member_column' = 'k',
              'sink.score_column' = 'half', 'sink.score_mode' = 'increment', 'sink.flush_interval_ms' = '50')`,
      shards,
    },
  ];
  const queries: QuerySpec[] = [
    { sql: `INSERT INTO ${o.name}_counters SELECT * FROM gen ${where}` },
    { sql: `INSERT INTO ${o.name}_float_counters SELECT g, ${half} FROM gen ${where}` },
    { sql: `INSERT INTO ${o.name}_hash_counters SELECT * FROM gen ${where}` },
    { sql: `INSERT INTO ${o.name}_streams SELECT * FROM gen ${where}` },
    { sql: `INSERT INTO ${o.name}_scores SELECT g, k, ${half} FROM gen ${where}` },
  ];
  return { tables, queries };
}

/** Redis state a finished job must leave: last row per string key and hash field; list order. */
export interface Expected {
  strings: Map<string, string>;
  hashes: Map<string, Map<string, string>>;
  /** Per list key, per partition: the offsets in order. */
  lists: Map<string, Map<number, number[]>>;
  rows: number;
  /** What the target tables must hold (only for a job with `targets`). */
  targets?: ExpectedTargets;
}

/** The target tables of a crash-free run: sums of the increments, stream entries in order. */
export interface ExpectedTargets {
  /** Rows the target tables take (each table takes them all). */
  rows: number;
  /** Integer counter key → the sum of its rows' `v`. */
  counters: Map<string, bigint>;
  /** Float counter key → the sum of its rows' `half` (multiples of 0.5 far below 2^52: exact). */
  floatCounters: Map<string, number>;
  /** Hash counter key → field → the sum. */
  hashCounters: Map<string, Map<string, bigint>>;
  /** Per stream key, per partition: the offsets (of the target rows) in order. */
  streams: Map<string, Map<number, number[]>>;
  /** Sorted set key → member → its score (the sum of `half`, exact as the float counters'). */
  scores: Map<string, Map<string, number>>;
}

function entry<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) m.set(k, (v = make()));
  return v;
}

/** The state a crash-free run leaves; with `targets`, that of the target tables too. */
export function expectedState(g: GenParams, ns = '', targets = false): Expected {
  const strings = new Map<string, string>();
  const hashes = new Map<string, Map<string, string>>();
  const lists = new Map<string, Map<number, number[]>>();
  const t: ExpectedTargets | undefined = targets
    ? {
        rows: 0,
        counters: new Map(),
        floatCounters: new Map(),
        hashCounters: new Map(),
        streams: new Map(),
        scores: new Map(),
      }
    : undefined;
  const P = TARGET_PREFIXES;
  for (let p = 0; p < g.partitions; p++) {
    for (let i = 0; i < g.rowsPerPartition; i++) {
      const r = generatedRow(g.seed, p, i, g.keys, g.groups);
      strings.set(`${ns}s:${r.k}`, r.id);
      entry(hashes, `${ns}h:${r.g}`, () => new Map<string, string>()).set(r.f, r.id);
      entry(
        entry(lists, `${ns}l:${r.g}`, () => new Map<number, number[]>()),
        p,
        () => [],
      ).push(i);
      if (t === undefined || !isTargetRow(r)) continue;
      t.rows++;
      const v = BigInt(r.v);
      const half = halfOf(r);
      const c = `${ns}${P.counter}${r.g}`;
      t.counters.set(c, (t.counters.get(c) ?? 0n) + v);
      const cf = `${ns}${P.float}${r.g}`;
      t.floatCounters.set(cf, (t.floatCounters.get(cf) ?? 0) + half);
      const hc = entry(t.hashCounters, `${ns}${P.hashCounter}${r.g}`, () => new Map<string, bigint>());
      hc.set(r.k, (hc.get(r.k) ?? 0n) + v);
      entry(
        entry(t.streams, `${ns}${P.stream}${r.g}`, () => new Map<number, number[]>()),
        p,
        () => [],
      ).push(i);
      const z = entry(t.scores, `${ns}${P.zset}${r.g}`, () => new Map<string, number>());
      z.set(r.k, (z.get(r.k) ?? 0) + half);
    }
  }
  return {
    strings,
    hashes,
    lists,
    rows: g.partitions * g.rowsPerPartition,
    ...(t === undefined ? {} : { targets: t }),
  };
}

/** What the checker found; every count but `rows`/`listEntries`/`targetRows`/`streamEntries` must be 0. */
export interface Findings {
  rows: number;
  listEntries: number;
  /** List entries present more than once. */
  duplicates: number;
  /** Rows missing from their list. */
  missing: number;
  /** Lists whose entries of one partition are not in offset order. */
  outOfOrder: number;
  /** String keys whose value is not the row of the crash-free run (or missing). */
  stringMismatches: number;
  /** String keys under the prefix that a crash-free run would not have. */
  extraStrings: number;
  hashMismatches: number;
  /** Rows the target tables take (0 for a job without them). */
  targetRows: number;
  /** Entries of all streams. */
  streamEntries: number;
  /** Stream entries present more than once. */
  streamDuplicates: number;
  /** Rows missing from their stream. */
  streamMissing: number;
  /** Streams whose entries of one partition are not in offset order. */
  streamOutOfOrder: number;
  /** Integer and float counters whose value is not the crash-free sum (or that should not exist). */
  counterMismatches: number;
  /** Hash counter fields whose value is not the crash-free sum (or that should not exist). */
  hashCounterMismatches: number;
  /** Sorted set members whose score is not the crash-free sum (or that should not exist). */
  scoreMismatches: number;
  firstProblems: string[];
}

/** Reads what a job wrote, through a client of either kind. */
export interface StateReader {
  pipeline(commands: Command[]): Promise<Reply[]>;
  close(): Promise<void>;
  /** Keys matching a pattern, over every master. */
  keys(pattern: string): Promise<string[]>;
}

export async function stateReader(
  redis: { url: string } | { urls: string[]; masters: string[] },
): Promise<StateReader> {
  if ('url' in redis) {
    const c: RedisClient = await createClient(redis.url);
    return { pipeline: (cmds) => c.pipeline(cmds), close: () => c.close(), keys: (p) => scanAll([c], p) };
  }
  const cl: RedisCluster = await createCluster({ addresses: redis.urls });
  const masters = await Promise.all(redis.masters.map((m) => createClient(m)));
  return {
    pipeline: (cmds) => cl.pipeline(cmds),
    close: async () => {
      await cl.close();
      await Promise.all(masters.map((m) => m.close()));
    },
    keys: (p) => scanAll(masters, p),
  };
}

async function scanAll(clients: RedisClient[], pattern: string): Promise<string[]> {
  const out: string[] = [];
  for (const c of clients) {
    let cursor = '0';
    do {
      const [next, keys] = (await c.send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', 5000])) as [
        unknown,
        unknown[],
      ];
      cursor = String(next);
      for (const k of keys) out.push(String(k));
    } while (cursor !== '0');
  }
  return out;
}

const text = (r: Reply): string => (Buffer.isBuffer(r) ? r.toString('utf8') : String(r));

/** Compares Redis with the expected state. */
export async function checkState(reader: StateReader, exp: Expected, ns = ''): Promise<Findings> {
  const f: Findings = {
    rows: exp.rows,
    listEntries: 0,
    duplicates: 0,
    missing: 0,
    outOfOrder: 0,
    stringMismatches: 0,
    extraStrings: 0,
    hashMismatches: 0,
    targetRows: exp.targets?.rows ?? 0,
    streamEntries: 0,
    streamDuplicates: 0,
    streamMissing: 0,
    streamOutOfOrder: 0,
    counterMismatches: 0,
    hashCounterMismatches: 0,
    scoreMismatches: 0,
    firstProblems: [],
  };
  const problem = (s: string) => {
    if (f.firstProblems.length < 10) f.firstProblems.push(s);
  };
  // Strings: every expected key holds the last row written to it, and there is no other key.
  const skeys = [...exp.strings.keys()];
  for (let from = 0; from < skeys.length; from += 2000) {
    const part = skeys.slice(from, from + 2000);
    const replies = await reader.pipeline(part.map((k) => ['GET', k]));
    replies.forEach((r, j) => {
      const want = exp.strings.get(part[j]);
      const got = r === null ? null : (JSON.parse(text(r)) as { id: string }).id;
      if (got !== want) {
        f.stringMismatches++;
        problem(`string ${part[j]}: ${got} instead of ${want}`);
      }
    });
  }
  const present = await reader.keys(`${ns}s:*`);
  f.extraStrings = present.filter((k) => !exp.strings.has(k)).length;
  // Hashes: every field holds the last row written to it.
  for (const [key, fields] of exp.hashes) {
    const [all] = await reader.pipeline([['HGETALL', key]]);
    const got = new Map<string, string>();
    if (Array.isArray(all)) {
      for (let j = 0; j < all.length; j += 2)
        got.set(text(all[j]), (JSON.parse(text(all[j + 1])) as { id: string }).id);
    } else if (all instanceof Map) {
      for (const [k, v] of all) got.set(text(k), (JSON.parse(text(v)) as { id: string }).id);
    }
    for (const [field, id] of fields) {
      if (got.get(field) !== id) {
        f.hashMismatches++;
        problem(`hash ${key} ${field}: ${got.get(field)} instead of ${id}`);
      }
    }
    if (got.size !== fields.size) {
      f.hashMismatches += Math.abs(got.size - fields.size);
      problem(`hash ${key}: ${got.size} fields instead of ${fields.size}`);
    }
  }
  // Lists: each row exactly once, each partition's rows in offset order.
  for (const [key, byPartition] of exp.lists) {
    const entries: Reply[] = [];
    for (let from = 0; ; from += 50_000) {
      const [chunk] = await reader.pipeline([['LRANGE', key, from, from + 49_999]]);
      const arr = chunk as Reply[];
      entries.push(...arr);
      if (arr.length < 50_000) break;
    }
    f.listEntries += entries.length;
    const c = compareSequences(`list ${key}`, entries, byPartition, problem);
    f.duplicates += c.duplicates;
    f.missing += c.missing;
    f.outOfOrder += c.outOfOrder;
  }
  if (exp.targets !== undefined) await checkTargets(reader, exp.targets, ns, f, problem);
  return f;
}

/**
 * Compares the rows a list or stream holds (JSON with `p` and `i`) with the offsets expected per
 * partition: duplicates, missing rows, partitions out of order.
 */
function compareSequences(
  what: string,
  entries: readonly Reply[],
  byPartition: ReadonlyMap<number, readonly number[]>,
  problem: (s: string) => void,
): { duplicates: number; missing: number; outOfOrder: number } {
  const out = { duplicates: 0, missing: 0, outOfOrder: 0 };
  const seen = new Map<number, number[]>();
  for (const e of entries) {
    const r = JSON.parse(text(e)) as { p: number; i: number };
    entry(seen, r.p, () => []).push(r.i);
  }
  for (const p of seen.keys()) {
    if (!byPartition.has(p)) {
      out.duplicates += seen.get(p)!.length;
      problem(`${what}: ${seen.get(p)!.length} entries of partition ${p}, which has none there`);
    }
  }
  for (const [p, want] of byPartition) {
    const got = seen.get(p) ?? [];
    const distinct = new Set(got);
    out.duplicates += got.length - distinct.size;
    let missing = 0;
    for (const i of want) if (!distinct.has(i)) missing++;
    out.missing += missing;
    let ordered = true;
    for (let j = 1; j < got.length; j++) if (got[j] <= got[j - 1]) ordered = false;
    if (!ordered) out.outOfOrder++;
    if (got.length !== want.length || missing > 0 || !ordered) {
      problem(
        `${what} partition ${p}: ${got.length} entries (want ${want.length}), ${missing} missing, ordered ${ordered}`,
      );
    }
  }
  return out;
}

/** Pairs of a flat RESP2 reply or of RESP3's map / array of pairs (HGETALL, ZRANGE WITHSCORES). */
function replyPairs(r: Reply): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (r instanceof Map) {
    for (const [k, v] of r) out.push([text(k), text(v)]);
  } else if (Array.isArray(r)) {
    if (r.length > 0 && Array.isArray(r[0])) {
      for (const pair of r as Reply[][]) out.push([text(pair[0]), text(pair[1])]);
    } else {
      for (let j = 0; j + 1 < r.length; j += 2) out.push([text(r[j]), text(r[j + 1])]);
    }
  }
  return out;
}

/** Keys under `prefix` that the expected map does not have: each one is a mismatch. */
async function extraKeys(
  reader: StateReader,
  prefix: string,
  want: ReadonlyMap<string, unknown>,
): Promise<string[]> {
  return (await reader.keys(`${prefix}*`)).filter((k) => !want.has(k));
}

async function checkTargets(
  reader: StateReader,
  exp: ExpectedTargets,
  ns: string,
  f: Findings,
  problem: (s: string) => void,
): Promise<void> {
  const P = TARGET_PREFIXES;
  // Counters: the exact sum (float counters: the exact sum of halves, as INCRBYFLOAT prints it).
  const counted = async (want: ReadonlyMap<string, bigint | number>, kind: string) => {
    const keys = [...want.keys()];
    const replies = await reader.pipeline(keys.map((k) => ['GET', k]));
    replies.forEach((r, j) => {
      const w = want.get(keys[j])!;
      const got = r === null ? null : text(r);
      const ok =
        got !== null &&
        (typeof w === 'bigint' ? /^-?\d+$/.test(got) && BigInt(got) === w : Number(got) === w);
      if (!ok) {
        f.counterMismatches++;
        problem(`${kind} ${keys[j]}: ${got} instead of ${w}`);
      }
    });
  };
  await counted(exp.counters, 'counter');
  await counted(exp.floatCounters, 'float counter');
  for (const [prefix, want] of [
    [P.counter, exp.counters],
    [P.float, exp.floatCounters],
  ] as const) {
    for (const k of await extraKeys(reader, `${ns}${prefix}`, want)) {
      f.counterMismatches++;
      problem(`counter ${k} should not exist`);
    }
  }
  // Hash counters: every field holds its sum, and there is no other field.
  for (const [key, fields] of exp.hashCounters) {
    const [all] = await reader.pipeline([['HGETALL', key]]);
    const got = new Map(replyPairs(all));
    for (const [field, w] of fields) {
      const g = got.get(field);
      if (g === undefined || !/^-?\d+$/.test(g) || BigInt(g) !== w) {
        f.hashCounterMismatches++;
        problem(`hash counter ${key} ${field}: ${g} instead of ${w}`);
      }
    }
    for (const field of got.keys()) {
      if (!fields.has(field)) {
        f.hashCounterMismatches++;
        problem(`hash counter ${key} ${field} should not exist`);
      }
    }
  }
  for (const k of await extraKeys(reader, `${ns}${P.hashCounter}`, exp.hashCounters)) {
    f.hashCounterMismatches++;
    problem(`hash counter ${k} should not exist`);
  }
  // Streams: every row's entry exactly once, each partition's in offset order.
  for (const [key, byPartition] of exp.streams) {
    const rows: Reply[] = [];
    let from = '-';
    for (;;) {
      const [chunk] = await reader.pipeline([['XRANGE', key, from, '+', 'COUNT', 20_000]]);
      const arr = (chunk ?? []) as Reply[][];
      for (const e of arr) {
        const fields = (e[1] as Reply[]).map(text);
        const at = fields.indexOf('row');
        rows.push(at >= 0 && at % 2 === 0 ? fields[at + 1] : '{"p":-1,"i":-1}');
      }
      if (arr.length < 20_000) break;
      from = `(${text(arr[arr.length - 1][0])}`;
    }
    f.streamEntries += rows.length;
    const c = compareSequences(`stream ${key}`, rows, byPartition, problem);
    f.streamDuplicates += c.duplicates;
    f.streamMissing += c.missing;
    f.streamOutOfOrder += c.outOfOrder;
  }
  for (const k of await extraKeys(reader, `${ns}${P.stream}`, exp.streams)) {
    f.streamDuplicates++;
    problem(`stream ${k} should not exist`);
  }
  // Sorted sets: every member's score is its sum, and there is no other member.
  for (const [key, members] of exp.scores) {
    const [all] = await reader.pipeline([['ZRANGE', key, 0, -1, 'WITHSCORES']]);
    const got = new Map(replyPairs(all));
    for (const [member, w] of members) {
      const g = got.get(member);
      if (g === undefined || Number(g) !== w) {
        f.scoreMismatches++;
        problem(`sorted set ${key} ${member}: ${g} instead of ${w}`);
      }
    }
    for (const member of got.keys()) {
      if (!members.has(member)) {
        f.scoreMismatches++;
        problem(`sorted set ${key} ${member} should not exist`);
      }
    }
  }
  for (const k of await extraKeys(reader, `${ns}${P.zset}`, exp.scores)) {
    f.scoreMismatches++;
    problem(`sorted set ${k} should not exist`);
  }
}
