/**
 * What Redis must hold after a client wrote `count` rows of one table, checked through redis-cli
 * (never through a measured client). The rows are a pure function of their index, so the expected
 * state is computed here without the child (per key: its rows in order):
 *
 * | table           | checked                                                                  |
 * |-----------------|--------------------------------------------------------------------------|
 * | string          | DBSIZE = count; for 1,000 sampled keys: value = the row's JSON, 0 < TTL ≤ 3600 |
 * | list            | DBSIZE = keys seen; every list: LLEN = min(rows of the key, 1000), first |
 * |                 | and last element = the JSON of the oldest kept and of the newest row     |
 * | hash            | DBSIZE = keys seen; every hash: HLEN = rows of the key, newest row's     |
 * |                 | field = its JSON                                                         |
 * | set             | DBSIZE = keys seen; every set: all its members (SMEMBERS) = the distinct |
 * |                 | member texts of its rows                                                 |
 * | sorted_set      | every sorted set whole: members and scores = the last score of each     |
 * |                 | member                                                                   |
 * | sorted_set_incr | every sorted set whole: scores = the sum of each member's scores (to     |
 * |                 | 1e-9 relative: a grouped peer sums in another order than Redis)          |
 * | counter         | every counter = the sum of its rows' increments (exact)                  |
 * | hash_counter    | every hash whole: each field = the sum of its rows' increments (exact)   |
 * | stream          | every stream: XLEN = rows of the key, first and last entry's row = the   |
 * |                 | JSON of the key's first and last row (order)                             |
 * | pubsub          | DBSIZE = 0 (a channel keeps nothing); the PUBLISH replies are counted by |
 * |                 | the run instead (every row acknowledged, no error reply)                 |
 *
 * Exactly-once runs leave one fence hash per slot besides: `dropFences` deletes them first (and
 * reports how many). One EVAL per check walks the keys server-side and returns a flat array, one
 * item per line.
 */

import type { BenchRedisServer } from '../common/bench-redis.js';
import { evalLines } from '../common/bench-redis.js';
import {
  cell,
  keyOf,
  LIST_MAX_LENGTH,
  layoutOf,
  type Row,
  rowOf,
  type Shape,
  type TableType,
  TTL_SECS,
} from './sink-workload.js';

const SAMPLES = 1_000;
/** Keys per verification EVAL: a nested sorted set of 1,000 members answers ~20 kB per key. */
const KEYS_PER_EVAL = 20;

const STRING_SCRIPT = `local out = {}
for _, k in ipairs(KEYS) do
  out[#out + 1] = redis.call('GET', k) or '(nil)'
  out[#out + 1] = redis.call('TTL', k)
end
return out`;

const LIST_SCRIPT = `local out = {}
for _, k in ipairs(KEYS) do
  out[#out + 1] = redis.call('LLEN', k)
  out[#out + 1] = redis.call('LINDEX', k, 0) or '(nil)'
  out[#out + 1] = redis.call('LINDEX', k, -1) or '(nil)'
end
return out`;

const HASH_SCRIPT = `local out = {}
for i, k in ipairs(KEYS) do
  out[#out + 1] = redis.call('HLEN', k)
  out[#out + 1] = redis.call('HGET', k, ARGV[i]) or '(nil)'
end
return out`;

/** One line per key: its members (or member/score, field/value pairs) joined by tabs. */
const WHOLE_SCRIPT = `local out = {}
for _, k in ipairs(KEYS) do
  local t = redis.call('TYPE', k).ok
  local v
  if t == 'set' then v = redis.call('SMEMBERS', k)
  elseif t == 'zset' then v = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')
  elseif t == 'hash' then v = redis.call('HGETALL', k)
  elseif t == 'string' then v = { redis.call('GET', k) }
  else v = { '(' .. t .. ')' } end
  out[#out + 1] = table.concat(v, '\\t')
end
return out`;

const STREAM_SCRIPT = `local out = {}
for _, k in ipairs(KEYS) do
  out[#out + 1] = redis.call('XLEN', k)
  local first = redis.call('XRANGE', k, '-', '+', 'COUNT', 1)[1]
  local last = redis.call('XREVRANGE', k, '+', '-', 'COUNT', 1)[1]
  out[#out + 1] = first and first[2][2] or '(nil)'
  out[#out + 1] = last and last[2][2] or '(nil)'
end
return out`;

const FENCES_SCRIPT = `local n = 0
for _, k in ipairs(redis.call('KEYS', 'laminar:fence:*')) do
  redis.call('DEL', k)
  n = n + 1
end
return n`;

/** Deletes the fence hashes of an exactly-once run; answers how many there were. */
export async function dropFences(server: BenchRedisServer): Promise<number> {
  return Number(await server.cli('EVAL', FENCES_SCRIPT, '0'));
}

/** Row indices of each key of a table, keys in order of first appearance (cached per table). */
const keyRowsCache = new Map<string, Map<string, number[]>>();
function keyRows(type: TableType, shape: Shape, count: number): Map<string, number[]> {
  const id = `${type}/${shape}/${count}`;
  let out = keyRowsCache.get(id);
  if (out === undefined) {
    out = new Map();
    for (let i = 0; i < count; i++) {
      const k = keyOf(type, rowOf(shape, i), shape);
      const rows = out.get(k);
      if (rows === undefined) out.set(k, [i]);
      else rows.push(i);
    }
    keyRowsCache.set(id, out);
  }
  return out;
}

/** Expected contents of a set, sorted set, counter or hash counter: member/field → value. */
function expectedWhole(type: TableType, shape: Shape, rows: readonly Row[]): Map<string, number> {
  const l = layoutOf(type, shape);
  const out = new Map<string, number>();
  for (const row of rows) {
    const f = l.field === undefined ? '' : String(cell(row, l.field));
    switch (type) {
      case 'set':
        out.set(f, 1);
        break;
      case 'sorted_set':
        out.set(f, cell(row, l.score!) as number);
        break;
      case 'sorted_set_incr':
        out.set(f, (out.get(f) ?? 0) + (cell(row, l.score!) as number));
        break;
      default:
        out.set(f, (out.get(f) ?? 0) + (cell(row, l.increment!) as number));
    }
  }
  return out;
}

/** Parses one WHOLE_SCRIPT line into member/field → value. */
function parseWhole(type: TableType, line: string): Map<string, number> | string {
  const parts = line === '' ? [] : line.split('\t');
  const out = new Map<string, number>();
  if (type === 'set') {
    for (const m of parts) out.set(m, 1);
  } else if (type === 'counter') {
    if (parts.length !== 1) return `counter reads ${line.slice(0, 40)}`;
    out.set('', Number(parts[0]));
  } else if (type === 'sorted_set' || type === 'sorted_set_incr') {
    for (let i = 0; i + 1 < parts.length; i += 2) out.set(parts[i], Number(parts[i + 1]));
  } else {
    for (let i = 0; i + 1 < parts.length; i += 2) out.set(parts[i], Number(parts[i + 1]));
  }
  return out;
}

/** What is wrong with one set, sorted set, counter or hash counter; undefined when nothing. */
function compareWhole(
  type: TableType,
  actual: Map<string, number> | string,
  expected: Map<string, number>,
): string | undefined {
  const tolerance = type === 'sorted_set_incr' ? 1e-9 : 0;
  if (typeof actual === 'string') return actual;
  if (actual.size !== expected.size)
    return `holds ${actual.size} members or fields, expected ${expected.size}`;
  for (const [f, want] of expected) {
    const got = actual.get(f);
    if (got === undefined) return `lacks ${f || 'its value'}`;
    if (Math.abs(got - want) > tolerance * Math.max(1, Math.abs(want)))
      return `${f || 'value'} = ${got}, expected ${want}`;
  }
  return undefined;
}

/** Undefined when Redis holds exactly what `count` rows of the table should leave; else what is wrong. */
export async function verifySinkState(
  server: BenchRedisServer,
  type: TableType,
  count: number,
  shape: Shape = 'flat',
): Promise<string | undefined> {
  const problems: string[] = [];
  const byKey = keyRows(type, shape, count);
  const keys = [...byKey.keys()];
  const expectedKeys = type === 'pubsub' ? 0 : type === 'string' ? count : byKey.size;
  const dbsize = Number(await server.cli('DBSIZE'));
  if (dbsize !== expectedKeys) problems.push(`DBSIZE ${dbsize}, expected ${expectedKeys}`);

  let bad = 0;
  let first: string | undefined;
  const mismatch = (what: string) => {
    bad++;
    first ??= what;
  };
  const json = (i: number) => JSON.stringify(rowOf(shape, i));
  // KEYS_PER_EVAL keys per EVAL (argv, when given, is one per key): redis-cli's answer stays small.
  const lines = async (script: string, perKey: number, argv: string[] = [], ks = keys) => {
    const out: string[] = [];
    for (let from = 0; from < ks.length; from += KEYS_PER_EVAL) {
      const to = Math.min(ks.length, from + KEYS_PER_EVAL);
      const part = await evalLines(server, script, ks.slice(from, to), argv.slice(from, to));
      if (part.length !== (to - from) * perKey)
        throw new Error(`verification script answered ${part.length} lines for ${to - from} keys`);
      for (const line of part) out.push(line);
    }
    return out;
  };
  try {
    switch (type) {
      case 'pubsub':
        break;
      case 'string': {
        const ids = Array.from({ length: Math.min(SAMPLES, count) }, (_, k) =>
          Math.min(count - 1, Math.floor((k * count) / SAMPLES) + (k % 7)),
        );
        const sampled = ids.map((id) => keyOf(type, rowOf(shape, id), shape));
        const out = await lines(STRING_SCRIPT, 2, [], sampled);
        ids.forEach((id, k) => {
          const value = out[2 * k];
          const ttl = Number(out[2 * k + 1]);
          if (value !== json(id)) mismatch(`${sampled[k]} = ${value.slice(0, 60)}`);
          else if (!(ttl > 0 && ttl <= TTL_SECS)) mismatch(`${sampled[k]} TTL ${ttl}`);
        });
        break;
      }
      case 'list': {
        const out = await lines(LIST_SCRIPT, 3);
        keys.forEach((key, k) => {
          const rows = byKey.get(key)!;
          const kept = Math.min(rows.length, LIST_MAX_LENGTH);
          const len = Number(out[3 * k]);
          if (len !== kept) mismatch(`LLEN ${key} = ${len}, expected ${kept}`);
          else if (out[3 * k + 1] !== json(rows[rows.length - kept]))
            mismatch(`${key}[0] is not row ${rows[rows.length - kept]}`);
          else if (out[3 * k + 2] !== json(rows[rows.length - 1]))
            mismatch(`${key}[-1] is not row ${rows[rows.length - 1]}`);
        });
        break;
      }
      case 'hash': {
        const field = layoutOf(type, shape).field!;
        const lastField = (key: string) => String(cell(rowOf(shape, byKey.get(key)!.at(-1)!), field));
        const out = await lines(HASH_SCRIPT, 2, keys.map(lastField));
        keys.forEach((key, k) => {
          const rows = byKey.get(key)!;
          const len = Number(out[2 * k]);
          const last = rows[rows.length - 1];
          if (len !== rows.length) mismatch(`HLEN ${key} = ${len}, expected ${rows.length}`);
          else if (out[2 * k + 1] !== json(last)) mismatch(`${key} field of row ${last} is not its row`);
        });
        break;
      }
      case 'stream': {
        const out = await lines(STREAM_SCRIPT, 3);
        keys.forEach((key, k) => {
          const rows = byKey.get(key)!;
          const len = Number(out[3 * k]);
          if (len !== rows.length) mismatch(`XLEN ${key} = ${len}, expected ${rows.length}`);
          else if (out[3 * k + 1] !== json(rows[0])) mismatch(`${key} first entry is not row ${rows[0]}`);
          else if (out[3 * k + 2] !== json(rows[rows.length - 1]))
            mismatch(`${key} last entry is not row ${rows[rows.length - 1]}`);
        });
        break;
      }
      default: {
        const out = await lines(WHOLE_SCRIPT, 1);
        keys.forEach((key, k) => {
          const expected = expectedWhole(
            type,
            shape,
            byKey.get(key)!.map((i) => rowOf(shape, i)),
          );
          const wrong = compareWhole(type, parseWhole(type, out[k]), expected);
          if (wrong !== undefined) mismatch(`${key} ${wrong}`);
        });
      }
    }
  } catch (err) {
    return (err as Error).message;
  }
  if (bad > 0) problems.push(`${bad} key(s) wrong, first: ${first}`);
  return problems.length === 0 ? undefined : problems.join('; ');
}

/** Human summary of what verification checked, for the report. */
export function verifiedText(type: TableType, count: number, shape: Shape = 'flat'): string {
  const byKey = keyRows(type, shape, count);
  const n = byKey.size;
  switch (type) {
    case 'string':
      return `DBSIZE ${count}; ${SAMPLES} sampled values and TTLs OK`;
    case 'list': {
      const trimmed = [...byKey.values()].filter((rows) => rows.length > LIST_MAX_LENGTH).length;
      return `${n} lists: lengths (${trimmed} trimmed to ${LIST_MAX_LENGTH}), first and last elements OK`;
    }
    case 'hash':
      return `${n} hashes: field counts (${count} in all) and newest fields OK`;
    case 'set':
      return `${n} sets: every member OK`;
    case 'sorted_set':
      return `${n} sorted sets: every member and its last score OK`;
    case 'sorted_set_incr':
      return `${n} sorted sets: every member and its summed score OK (to 1e-9)`;
    case 'counter':
      return `${n} counters: sums OK`;
    case 'hash_counter':
      return `${n} hashes: every field's sum OK`;
    case 'stream':
      return `${n} streams: lengths (${count} entries in all), first and last entries OK`;
    case 'pubsub':
      return `not verifiable by state (a channel keeps nothing): ${count} PUBLISH replies counted, none an error; DBSIZE 0`;
  }
}
