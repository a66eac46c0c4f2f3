/**
 * What Redis must hold after a client wrote `count` rows of one table, checked through redis-cli
 * (never through a measured client). The rows are a pure function of their index, so the expected
 * state is computed here without the child:
 *
 * | table  | checked                                                                          |
 * |--------|----------------------------------------------------------------------------------|
 * | string | DBSIZE = count; for 1,000 sampled keys: value = the row's JSON, 0 < TTL ≤ 3600   |
 * | list   | DBSIZE = users seen; every list: LLEN = min(rows of the user, 1000), first and   |
 * |        | last element = the JSON of the oldest kept and of the newest row (order, trim)   |
 * | hash   | DBSIZE = users seen; every hash: HLEN = rows of the user, newest row's field =   |
 * |        | its JSON                                                                         |
 *
 * One EVAL per check walks the keys server-side and returns a flat array, one item per line.
 */

import type { BenchRedisServer } from '../common/bench-redis.js';
import { evalLines } from '../common/bench-redis.js';
import {
  HASH_PREFIX,
  LIST_MAX_LENGTH,
  LIST_PREFIX,
  rowAt,
  STRING_PREFIX,
  type TableType,
  TTL_SECS,
  USERS,
  userOf,
} from './sink-workload.js';

const SAMPLES = 1_000;

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

const json = (i: number) => JSON.stringify(rowAt(i));

/** Row indices of each user, in order (computed once per count). */
const occurrencesCache = new Map<number, number[][]>();
function occurrences(count: number): number[][] {
  let occ = occurrencesCache.get(count);
  if (occ === undefined) {
    occ = Array.from({ length: USERS }, () => []);
    for (let i = 0; i < count; i++) occ[userOf(i)].push(i);
    occurrencesCache.set(count, occ);
  }
  return occ;
}

/** Undefined when Redis holds exactly what `count` rows of `type` should leave; else what is wrong. */
export async function verifySinkState(
  server: BenchRedisServer,
  type: TableType,
  count: number,
): Promise<string | undefined> {
  const problems: string[] = [];
  const users = occurrences(count)
    .map((rows, u) => ({ user: rowAt(rows[0] ?? 0).user, rows, u }))
    .filter((x) => x.rows.length > 0);
  const expectedKeys = type === 'string' ? count : users.length;
  const dbsize = Number(await server.cli('DBSIZE'));
  if (dbsize !== expectedKeys) problems.push(`DBSIZE ${dbsize}, expected ${expectedKeys}`);

  let bad = 0;
  let first: string | undefined;
  const mismatch = (what: string) => {
    bad++;
    first ??= what;
  };
  if (type === 'string') {
    const ids = Array.from({ length: Math.min(SAMPLES, count) }, (_, k) =>
      Math.min(count - 1, Math.floor((k * count) / SAMPLES) + (k % 7)),
    );
    const out = await evalLines(
      server,
      STRING_SCRIPT,
      ids.map((id) => STRING_PREFIX + id),
      [],
    );
    if (out.length !== ids.length * 2) return `verification script answered ${out.length} lines`;
    ids.forEach((id, k) => {
      const value = out[2 * k];
      const ttl = Number(out[2 * k + 1]);
      if (value !== json(id)) mismatch(`${STRING_PREFIX}${id} = ${value.slice(0, 60)}`);
      else if (!(ttl > 0 && ttl <= TTL_SECS)) mismatch(`${STRING_PREFIX}${id} TTL ${ttl}`);
    });
  } else if (type === 'list') {
    const out = await evalLines(
      server,
      LIST_SCRIPT,
      users.map((x) => LIST_PREFIX + x.user),
      [],
    );
    if (out.length !== users.length * 3) return `verification script answered ${out.length} lines`;
    users.forEach(({ user, rows }, k) => {
      const kept = Math.min(rows.length, LIST_MAX_LENGTH);
      const len = Number(out[3 * k]);
      if (len !== kept) mismatch(`LLEN ${LIST_PREFIX}${user} = ${len}, expected ${kept}`);
      else if (out[3 * k + 1] !== json(rows[rows.length - kept]))
        mismatch(`${LIST_PREFIX}${user}[0] is not row ${rows[rows.length - kept]}`);
      else if (out[3 * k + 2] !== json(rows[rows.length - 1]))
        mismatch(`${LIST_PREFIX}${user}[-1] is not row ${rows[rows.length - 1]}`);
    });
  } else {
    const out = await evalLines(
      server,
      HASH_SCRIPT,
      users.map((x) => HASH_PREFIX + x.user),
      users.map((x) => String(x.rows[x.rows.length - 1])),
    );
    if (out.length !== users.length * 2) return `verification script answered ${out.length} lines`;
    users.forEach(({ user, rows }, k) => {
      const len = Number(out[2 * k]);
      const last = rows[rows.length - 1];
      if (len !== rows.length) mismatch(`HLEN ${HASH_PREFIX}${user} = ${len}, expected ${rows.length}`);
      else if (out[2 * k + 1] !== json(last)) mismatch(`${HASH_PREFIX}${user} field ${last} is not its row`);
    });
  }
  if (bad > 0) problems.push(`${bad} key(s) wrong, first: ${first}`);
  return problems.length === 0 ? undefined : problems.join('; ');
}

/** Human summary of what verification checked, for the report. */
export function verifiedText(type: TableType, count: number): string {
  const users = occurrences(count).filter((rows) => rows.length > 0).length;
  if (type === 'string') return `DBSIZE ${count}; ${SAMPLES} sampled values and TTLs OK`;
  if (type === 'list') {
    const trimmed = occurrences(count).filter((rows) => rows.length > LIST_MAX_LENGTH).length;
    return `${users} lists: lengths (${trimmed} trimmed to ${LIST_MAX_LENGTH}), first and last elements OK`;
  }
  return `${users} hashes: field counts (${count} in all) and newest fields OK`;
}
