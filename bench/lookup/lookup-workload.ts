/**
 * The lookup workload, shared by the parent (lookup-bench.ts) and its child processes
 * (lookup-worker.ts): the lookup table Redis holds, the events joined against it, the SQL the
 * laminar-redis side compiles, and what travels between the processes. Loads no client library.
 *
 * Event i and user k are pure functions of i and k, so a child generates its events batch by
 * batch inside the timed loop and the parent knows the expected result without asking anyone.
 */
import type { ErrorMessage } from '../common/child-process.js';
import type { ProcessFigures } from '../common/measure.js';
import { type LoadArgs, loadArgv } from '../common/worker-args.js';

/** Keys of the lookup table (`user:0` … `user:99999`). */
export const KEYS = 100_000;
/** Event user ids run over KEYS + MISSING ids: about 2% name a key Redis does not have. */
export const MISSING = 2_000;
/** One event in NULL_EVERY has a NULL user id (a LEFT JOIN null, never looked up). */
export const NULL_EVERY = 100;
/** Rows per batch: the job's default read batch (DEFAULT_READ_BATCH), one lookup each. */
export const BATCH = 500;
/** Batches in flight at once: a job's source channels each wait for their own batch's lookup. */
export const INFLIGHT = 4;

const COUNTRIES = ['de', 'fr', 'nl', 'es', 'it', 'pl', 'se'];

/** One event, as the source hands it to the query. */
export interface EventRow {
  event_id: string;
  user_id: string | null;
  amount: number;
}

/** The value under `user:k`: a JSON object (58–70 bytes). */
export interface User {
  name: string;
  tier: number;
  country: string;
  score: number;
}

export function userOf(k: number): User {
  return { name: `name-${k}`, tier: k % 5, country: COUNTRIES[k % 7], score: (k % 1000) * 1.5 };
}

/**
 * A Lua script that fills the table in one EVAL (through redis-cli, so the harness depends on no
 * client it measures). The same values as {@link userOf}: cjson writes integers without a fraction.
 */
export const FILL_SCRIPT = `
local countries = {${COUNTRIES.map((c) => `'${c}'`).join(',')}}
for k = 0, tonumber(ARGV[1]) - 1 do
  local value = cjson.encode({ name = 'name-' .. k, tier = k % 5, country = countries[(k % 7) + 1], score = (k % 1000) * 1.5 })
  redis.call('SET', 'user:' .. k, value)
end
return tonumber(ARGV[1])`;

/** A 32-bit hash of i, so user ids are spread without a pattern. */
function mix(i: number): number {
  let x = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export function eventAt(i: number): EventRow {
  return {
    event_id: `e-${i}`,
    user_id: i % NULL_EVERY === 7 ? null : `user:${mix(i) % (KEYS + MISSING)}`,
    amount: i % 1000,
  };
}

export function eventsOf(start: number, end: number): EventRow[] {
  const rows = new Array<EventRow>(end - start);
  for (let i = start; i < end; i++) rows[i - start] = eventAt(i);
  return rows;
}

/** What one pass must produce, summed over its output rows: both sides compute the same. */
export interface Tally {
  rows: number;
  /** Rows whose user was found. */
  matched: number;
  tierSum: number;
  scoreSum: number;
}

export const emptyTally = (): Tally => ({ rows: 0, matched: 0, tierSum: 0, scoreSum: 0 });

/** Adds enriched rows to a tally. */
export function tally(t: Tally, rows: ReadonlyArray<Record<string, unknown>>): void {
  t.rows += rows.length;
  for (const r of rows) {
    if (r.name === null) continue;
    t.matched++;
    t.tierSum += r.tier as number;
    t.scoreSum += r.score as number;
  }
}

/** The tally of events 0..count-1, from the definitions above. */
export function expectedTally(count: number): Tally {
  const t = emptyTally();
  for (let i = 0; i < count; i++) {
    const e = eventAt(i);
    t.rows++;
    const k = e.user_id === null ? KEYS : Number(e.user_id.slice(5));
    if (k >= KEYS) continue;
    const u = userOf(k);
    t.matched++;
    t.tierSum += u.tier;
    t.scoreSum += u.score;
  }
  return t;
}

/**
 * The query the laminar-redis side compiles (its stage is measured; the sink is never written).
 * `cache`: the lookup table's cache options, or '' for none.
 */
export function lookupScript(port: number, cache: string): string {
  return `
CREATE TABLE events (event_id TEXT, user_id TEXT, amount INTEGER) WITH (
    connector = 'generator', rows_per_partition = '1'
);
CREATE TEMPORARY TABLE users (
    id TEXT METADATA FROM 'key' PRIMARY KEY, name TEXT, tier INTEGER, country TEXT, score DOUBLE
) WITH (connector = 'redis', address = 'redis://127.0.0.1:${port}', format = 'json'${cache === '' ? '' : `, ${cache}`});
CREATE TABLE enriched (
    event_id TEXT, user_id TEXT, amount INTEGER, name TEXT, tier INTEGER, country TEXT, score DOUBLE
) WITH (
    connector = 'redis', type = 'sink', address = 'redis://127.0.0.1:${port}',
    'sink.type' = 'string', 'sink.key_prefix' = 'out:', 'sink.key_column' = 'event_id'
);
INSERT INTO enriched
SELECT e.event_id, e.user_id, e.amount, u.name, u.tier, u.country, u.score
FROM events e LEFT JOIN users u ON e.user_id = u.id;`;
}

/** Cache options of the cached runs: room for every key, misses cached too. */
export const CACHE_OPTIONS = "'lookup.cache.max_bytes' = '256MiB', 'lookup.cache.negative' = 'true'";

/** Who is measured. */
export const CLIENT_IDS = ['laminar-redis', 'laminar-redis-cached', 'node-redis'] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

export const CLIENT_INFO: Record<ClientId, { label: string; method: string; peer: boolean }> = {
  'laminar-redis': {
    label: 'laminar-redis (no cache)',
    method:
      'compiled query stage (LEFT JOIN users): one RedisLookup.lookup(keys) per batch — MGET of its distinct keys — then typed columns and the projection',
    peer: false,
  },
  'laminar-redis-cached': {
    label: "laminar-redis (cache, 'lookup.cache.max_bytes' = '256MiB', negative)",
    method: 'the same stage; the LRU cache answers what it holds, MGET for the rest',
    peer: false,
  },
  'node-redis': {
    label: 'node-redis (hand-written)',
    method:
      'per batch: client.mGet(user ids of the batch), JSON.parse of each value, a new row { ...event columns, name, tier, country, score }',
    peer: true,
  },
};

export interface WorkerArgs extends LoadArgs {
  client: ClientId;
  port: number;
  /** Timed passes over the same events (the cached client's first pass fills its cache). */
  passes: number;
}

export function workerArgv(a: WorkerArgs): string[] {
  return ['--client', a.client, '--port', String(a.port), '--passes', String(a.passes), ...loadArgv(a)];
}

/** One timed pass over the events. */
export interface PassFigures {
  seconds: number;
  cpuSeconds: number;
  tally: Tally;
  /** Round trips to Redis in this pass (pipelines sent), when the client counts them. */
  roundTrips?: number;
  deadlineHit: boolean;
}

export interface LookupResult extends Pick<ProcessFigures, 'cpuSecondsProcess' | 'peakRssMb'> {
  kind: 'result';
  passes: PassFigures[];
}

export type WorkerMessage = LookupResult | ErrorMessage;
