/**
 * What Redis must hold after a variant wrote `count` distinct rows to the list table, checked
 * through redis-cli (never through the measured sink). Exactly-once on a clean run, and after a
 * replay, must leave the lists exactly as at-least-once does, plus the fences:
 *
 *   1. fences   the table's one fence hash (`laminar:fence:<table>`, standalone Redis) holding its
 *               owner (`job`), per slot of the list keys the writer's generation (`gen@<slot>`,
 *               1) and, per slot and partition (`p:<partition>@<slot>`), the highest offset of
 *               that partition's rows in that slot — then deleted, so that the next check sees
 *               the lists alone
 *   2. lists    sink-verify.ts, as in the sink suite: DBSIZE = users, every LLEN = min(rows, 1000),
 *               first and last element are the oldest kept and the newest row
 *   3. contents every list whole: SHA-1 of its elements joined by "\n" against the expected rows,
 *               so a duplicate anywhere (or a missing or reordered row) is caught
 *
 * One EVAL per check walks the keys server-side and returns a flat array, one item per line.
 */

import { createHash } from 'node:crypto';
import { keySlot } from '../../src/resp/cluster/key-slot.js';
import { tableFenceKey } from '../../src/sink/fence/slot-tags.js';
import type { BenchRedisServer } from '../common/bench-redis.js';
import { evalLines } from '../common/bench-redis.js';
import { verifySinkState } from '../sink/sink-verify.js';
import { LIST_MAX_LENGTH, LIST_PREFIX, rowAt, sinkTable, USERS, userOf } from '../sink/sink-workload.js';
import { offsetOf, partitionOf, VARIANT_INFO, type Variant } from './exactly-once-workload.js';

/** KEYS[1] the fence hash, ARGV[1..] fields: HLEN, whether it has an owner, then each field's value. */
const FENCE_SCRIPT = `local out = {}
local k = KEYS[1]
out[#out + 1] = redis.call('HLEN', k)
out[#out + 1] = redis.call('HEXISTS', k, 'job')
for f = 1, #ARGV do
  out[#out + 1] = redis.call('HGET', k, ARGV[f]) or '(nil)'
end
redis.call('DEL', k)
return out`;

const DIGEST_SCRIPT = `local out = {}
for _, k in ipairs(KEYS) do
  out[#out + 1] = redis.sha1hex(table.concat(redis.call('LRANGE', k, 0, -1), '\\n'))
end
return out`;

const TABLE_NAME = sinkTable('list', 1, 1).name;

interface UserRows {
  key: string;
  rows: number[];
}

/** Every user with rows among the first `count`, with its row indices in order. */
function usersOf(count: number): UserRows[] {
  const rows: number[][] = Array.from({ length: USERS }, () => []);
  for (let i = 0; i < count; i++) rows[userOf(i)].push(i);
  return rows.filter((r) => r.length > 0).map((r) => ({ key: LIST_PREFIX + rowAt(r[0]).user, rows: r }));
}

/** Undefined when Redis holds exactly what `count` rows of `variant` should leave; else what is wrong. */
export async function verifyExactlyOnceState(
  server: BenchRedisServer,
  variant: Variant,
  count: number,
): Promise<string | undefined> {
  const users = usersOf(count);
  const problems: string[] = [];
  if (VARIANT_INFO[variant].fenced) {
    const fenceProblem = await verifyFences(server, users, VARIANT_INFO[variant].partitions);
    if (fenceProblem !== undefined) problems.push(fenceProblem);
  }
  const listProblem = await verifySinkState(server, 'list', count);
  if (listProblem !== undefined) problems.push(listProblem);
  const contentProblem = await verifyContents(server, users);
  if (contentProblem !== undefined) problems.push(contentProblem);
  return problems.length === 0 ? undefined : problems.join('; ');
}

/** Human summary of what verification checked, for the report. */
export function verifiedText(variant: Variant, count: number): string {
  const users = usersOf(count);
  const trimmed = users.filter((u) => u.rows.length > LIST_MAX_LENGTH).length;
  const fences = VARIANT_INFO[variant].fenced
    ? `; fence hash (generation, offset per partition in each of ${new Set(users.map((u) => keySlot(u.key))).size} slots) OK`
    : '';
  return `${users.length} lists: lengths (${trimmed} trimmed), first/last and whole contents (SHA-1) OK${fences}`;
}

async function verifyFences(
  server: BenchRedisServer,
  users: UserRows[],
  partitions: number,
): Promise<string | undefined> {
  // Expected: per slot, per partition, the highest offset of the partition's rows in that slot.
  const bySlot = new Map<number, number[]>();
  for (const { key, rows } of users) {
    const slot = keySlot(key);
    let highest = bySlot.get(slot);
    if (highest === undefined) bySlot.set(slot, (highest = new Array<number>(partitions).fill(-1)));
    for (const i of rows) {
      const p = i % partitions;
      highest[p] = Math.max(highest[p], offsetOf(i, partitions));
    }
  }
  const names = Array.from({ length: partitions }, (_, p) => partitionOf(p, partitions));
  // Per slot its writer generation (the variant's one sink is generation 1), then its offsets.
  const fields: string[] = [];
  const expected: string[] = [];
  for (const [slot, highest] of bySlot) {
    fields.push(`gen@${slot}`);
    expected.push('1');
    highest.forEach((o, p) => {
      fields.push(`p:${names[p]}@${slot}`);
      expected.push(o < 0 ? '(nil)' : String(o));
    });
  }
  // The owner and every generation and offset written.
  const written = expected.filter((o) => o !== '(nil)').length;
  const want = [String(1 + written), '1', ...expected];
  const hash = tableFenceKey(TABLE_NAME);
  const out = await evalLines(server, FENCE_SCRIPT, [hash], fields);
  if (out.length !== want.length) return `fence script answered ${out.length} lines, expected ${want.length}`;
  const bad = want.filter((w, i) => out[i] !== w).length;
  if (bad === 0) return undefined;
  const i = want.findIndex((w, j) => out[j] !== w);
  const what = i === 0 ? 'HLEN' : i === 1 ? 'an owner (job)' : fields[i - 2];
  return `${bad} fence fields of ${hash} wrong, first: ${what} = ${out[i]}, expected ${want[i]}`;
}

async function verifyContents(server: BenchRedisServer, users: UserRows[]): Promise<string | undefined> {
  const out = await evalLines(
    server,
    DIGEST_SCRIPT,
    users.map((u) => u.key),
    [],
  );
  if (out.length !== users.length) return `digest script answered ${out.length} lines`;
  let bad = 0;
  let first: string | undefined;
  users.forEach(({ key, rows }, k) => {
    const kept = rows.slice(-LIST_MAX_LENGTH);
    const expected = createHash('sha1')
      .update(kept.map((i) => JSON.stringify(rowAt(i))).join('\n'))
      .digest('hex');
    if (out[k] !== expected) {
      bad++;
      first ??= key;
    }
  });
  return bad === 0 ? undefined : `${bad} list(s) differ from the expected rows, first: ${first}`;
}
