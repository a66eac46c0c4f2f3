/**
 * What Redis must hold after `count` rows of the distributed workload, checked through redis-cli
 * (never through a measured client): DBSIZE = the keys written, and for 1,000 sampled keys the
 * value is the JSON of the key's last row (per-key order kept end to end) with 0 < TTL ≤ 3600.
 */

import type { BenchRedisServer } from '../common/bench-redis.js';
import { evalLines } from '../common/bench-redis.js';
import { lastRowOf, SESSIONS, STRING_PREFIX, sessionRowAt, TTL_SECS } from './distributed-workload.js';

const SAMPLES = 1_000;

const SCRIPT = `local out = {}
for _, k in ipairs(KEYS) do
  out[#out + 1] = redis.call('GET', k) or '(nil)'
  out[#out + 1] = redis.call('TTL', k)
end
return out`;

/** Undefined when Redis holds what `count` rows should leave; else what is wrong. */
export async function verifyDistributedState(
  server: BenchRedisServer,
  count: number,
): Promise<string | undefined> {
  const keys = Math.min(count, SESSIONS);
  const problems: string[] = [];
  const dbsize = Number(await server.cli('DBSIZE'));
  if (dbsize !== keys) problems.push(`DBSIZE ${dbsize}, expected ${keys}`);
  const sessions = Array.from({ length: Math.min(SAMPLES, keys) }, (_, k) =>
    Math.min(keys - 1, Math.floor((k * keys) / SAMPLES) + (k % 7)),
  );
  const out = await evalLines(
    server,
    SCRIPT,
    sessions.map((s) => STRING_PREFIX + s),
    [],
  );
  if (out.length !== sessions.length * 2) return `verification script answered ${out.length} lines`;
  let bad = 0;
  let first: string | undefined;
  sessions.forEach((s, k) => {
    const value = out[2 * k];
    const ttl = Number(out[2 * k + 1]);
    const want = JSON.stringify(sessionRowAt(lastRowOf(s, count)));
    if (value === want && ttl > 0 && ttl <= TTL_SECS) return;
    bad++;
    first ??=
      value === want ? `${STRING_PREFIX}${s} TTL ${ttl}` : `${STRING_PREFIX}${s} = ${value.slice(0, 60)}`;
  });
  if (bad > 0) problems.push(`${bad} of ${sessions.length} sampled keys wrong, first: ${first}`);
  return problems.length === 0 ? undefined : problems.join('; ');
}

export const verifiedText = (count: number): string =>
  `DBSIZE ${Math.min(count, SESSIONS)}; ${SAMPLES} sampled keys hold their last row, TTL OK`;
