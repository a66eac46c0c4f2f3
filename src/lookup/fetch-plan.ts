/**
 * The commands that read one batch of missing keys, built once per batch and sent as one
 * pipeline (one round trip; on a cluster, one concurrent sub-pipeline per node):
 *
 * | table         | standalone                         | cluster                                        |
 * |---------------|------------------------------------|------------------------------------------------|
 * | string values | `MGET` of up to {@link MGET_CHUNK} keys | one `MGET` per hash slot (and chunk): never CROSSSLOT |
 * | hash, fields  | `HMGET key col...` per key         | the same, routed by each key's slot            |
 * | hash, all     | `HGETALL key` per key              | the same                                       |
 *
 * Each command is a *unit*: the keys it reads are `order[start[u] .. start[u + 1])` (indices into
 * the batch's distinct keys). Retries resend whole units. The cluster gets the slots computed
 * here (`pipelineSlots`), so it never parses the commands again.
 */

import { keySlot } from '../resp/cluster/key-slot.js';
import type { Command } from '../resp/reply.js';

/** Keys per MGET: long enough to amortize the command, short enough not to stall the server. */
export const MGET_CHUNK = 500;

/** What one unit reads. */
export type UnitKind = 'mget' | 'hmget' | 'hgetall';

export interface FetchPlan {
  kind: UnitKind;
  commands: Command[];
  /** Per command, its hash slot (cluster plans only). */
  slots: number[] | null;
  /** Unit u covers `order[start[u]] .. order[start[u + 1] - 1]`. */
  start: Int32Array;
  /** Indices into the batch's distinct keys, grouped by unit. */
  order: Int32Array;
}

/** Options of {@link planFetch}. */
export interface PlanOptions {
  /** Prepended to each key. */
  prefix: string;
  kind: UnitKind;
  /** Hash fields for HMGET. */
  fields: readonly string[];
  /** Group by hash slot and record each command's slot. */
  cluster: boolean;
}

/** Builds the commands reading `keys` (distinct join keys, without the prefix). */
export function planFetch(keys: readonly string[], o: PlanOptions): FetchPlan {
  const n = keys.length;
  if (o.kind !== 'mget') return perKey(keys, o);
  if (!o.cluster) {
    const units = Math.ceil(n / MGET_CHUNK);
    const commands: Command[] = new Array(units);
    const start = new Int32Array(units + 1);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let u = 0; u < units; u++) {
      const from = u * MGET_CHUNK;
      const to = Math.min(n, from + MGET_CHUNK);
      const cmd = new Array<string>(to - from + 1);
      cmd[0] = 'MGET';
      for (let i = from; i < to; i++) cmd[i - from + 1] = o.prefix + keys[i];
      commands[u] = cmd;
      start[u + 1] = to;
    }
    return { kind: 'mget', commands, slots: null, start, order };
  }
  // Cluster: bucket the keys by slot (a counting sort keeps it O(n)), then one MGET per slot
  // (chunked), so no command spans two slots.
  const redisKeys = new Array<string>(n);
  const keySlots = new Int32Array(n);
  const bySlot = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = o.prefix + keys[i];
    redisKeys[i] = k;
    const s = keySlot(k);
    keySlots[i] = s;
    bySlot.set(s, (bySlot.get(s) ?? 0) + 1);
  }
  const next = new Map<number, number>();
  let offset = 0;
  for (const [s, count] of bySlot) {
    next.set(s, offset);
    offset += count;
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = keySlots[i];
    const at = next.get(s)!;
    order[at] = i;
    next.set(s, at + 1);
  }
  const commands: Command[] = [];
  const slots: number[] = [];
  const starts: number[] = [0];
  let i = 0;
  while (i < n) {
    const s = keySlots[order[i]];
    let end = i;
    while (end < n && end - i < MGET_CHUNK && keySlots[order[end]] === s) end++;
    const cmd = new Array<string>(end - i + 1);
    cmd[0] = 'MGET';
    for (let j = i; j < end; j++) cmd[j - i + 1] = redisKeys[order[j]];
    commands.push(cmd);
    slots.push(s);
    starts.push(end);
    i = end;
  }
  return { kind: 'mget', commands, slots, start: Int32Array.from(starts), order };
}

function perKey(keys: readonly string[], o: PlanOptions): FetchPlan {
  const n = keys.length;
  const commands: Command[] = new Array(n);
  const slots: number[] | null = o.cluster ? new Array(n) : null;
  const start = new Int32Array(n + 1);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = o.prefix + keys[i];
    commands[i] = o.kind === 'hgetall' ? ['HGETALL', k] : ['HMGET', k, ...o.fields];
    if (slots !== null) slots[i] = keySlot(k);
    start[i + 1] = i + 1;
    order[i] = i;
  }
  return { kind: o.kind, commands, slots, start, order };
}
