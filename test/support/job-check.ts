/**
 * Crash-test jobs and their checker: a job spec writing one generated source into a string, a
 * list and a hash table (one per front door: SQL DDL, JSON bodies, TypeScript model), and the
 * expected Redis state computed from the deterministic generator.
 */
import { generatedRow } from '../../src/dataflow/sources/generator.js';
import type { JobSpec } from '../../src/plan/job-spec.js';
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
    ],
  };
}

/** Redis state a finished job must leave: last row per string key and hash field; list order. */
export interface Expected {
  strings: Map<string, string>;
  hashes: Map<string, Map<string, string>>;
  /** Per list key, per partition: the offsets in order. */
  lists: Map<string, Map<number, number[]>>;
  rows: number;
}

export function expectedState(g: GenParams, ns = ''): Expected {
  const strings = new Map<string, string>();
  const hashes = new Map<string, Map<string, string>>();
  const lists = new Map<string, Map<number, number[]>>();
  for (let p = 0; p < g.partitions; p++) {
    for (let i = 0; i < g.rowsPerPartition; i++) {
      const r = generatedRow(g.seed, p, i, g.keys, g.groups);
      strings.set(`${ns}s:${r.k}`, r.id);
      let h = hashes.get(`${ns}h:${r.g}`);
      if (h === undefined) hashes.set(`${ns}h:${r.g}`, (h = new Map()));
      h.set(r.f, r.id);
      let l = lists.get(`${ns}l:${r.g}`);
      if (l === undefined) lists.set(`${ns}l:${r.g}`, (l = new Map()));
      let seq = l.get(p);
      if (seq === undefined) l.set(p, (seq = []));
      seq.push(i);
    }
  }
  return { strings, hashes, lists, rows: g.partitions * g.rowsPerPartition };
}

/** What the checker found; every count but `rows`/`listEntries` must be 0. */
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
    const seen = new Map<number, number[]>();
    for (const e of entries) {
      const r = JSON.parse(text(e)) as { p: number; i: number };
      let s = seen.get(r.p);
      if (s === undefined) seen.set(r.p, (s = []));
      s.push(r.i);
    }
    for (const [p, want] of byPartition) {
      const got = seen.get(p) ?? [];
      const distinct = new Set(got);
      f.duplicates += got.length - distinct.size;
      let missing = 0;
      for (const i of want) if (!distinct.has(i)) missing++;
      f.missing += missing;
      let ordered = true;
      for (let j = 1; j < got.length; j++) if (got[j] <= got[j - 1]) ordered = false;
      if (!ordered) f.outOfOrder++;
      if (got.length !== want.length || missing > 0 || !ordered) {
        problem(
          `list ${key} partition ${p}: ${got.length} entries (want ${want.length}), ${missing} missing, ordered ${ordered}`,
        );
      }
    }
  }
  return f;
}
