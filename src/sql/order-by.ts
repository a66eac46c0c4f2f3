/**
 * ORDER BY over a stream: the rows of each batch (one read of one source partition, after WHERE)
 * are sorted — stably, so ties keep their input order — before they are routed and written.
 *
 * Exactly-once fences skip a row whose offset is not above the last applied offset of its
 * (key, partition), so offsets must still increase in write order after the sort. The sort
 * therefore permutes the rows and keeps the offsets where they were: the k-th row written gets
 * the k-th smallest offset of its batch (per partition). The offsets of one batch are all below
 * those of the next, so they increase per (key, partition) across batches too; and since the
 * sources that allow it replay a batch with the same boundaries (generator, JSON lines), a
 * replayed batch is sorted and labelled the same way, and the fences skip exactly the rows
 * already written.
 *
 * ```
 *   read:    offsets 10 11 12 13   scores 5 9 7 9
 *   sorted:  rows    11 13 12 10   (score DESC, ties in input order)
 *   written: offsets 10 11 12 13   ← labels stay in place
 * ```
 */
import type { RowBatch } from '../plan/operators.js';
import type { Comparator } from '../schema/values.js';
import type { Row } from '../sink/row-encoder.js';

/** One ORDER BY item, compiled: the value to sort on, from the source row and the output row. */
export interface SortKey {
  value: (source: Row, output: Row) => unknown;
  compare: Comparator;
  descending: boolean;
  /** NULLs before other values. Default as PostgreSQL: first when descending, last when ascending. */
  nullsFirst: boolean;
}

/** The comparison of two rows' key tuples. */
function compareKeys(keys: readonly SortKey[], a: readonly unknown[], b: readonly unknown[]): number {
  for (let k = 0; k < keys.length; k++) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    const key = keys[k];
    if (x === null) return key.nullsFirst ? -1 : 1;
    if (y === null) return key.nullsFirst ? 1 : -1;
    const c = key.compare(x, y);
    if (c !== 0) return key.descending ? -c : c;
  }
  return 0;
}

/**
 * Sorts a batch in place: `out.rows` (and the per-row partitions) are permuted, offsets keep
 * their places — within each partition when the batch has several (ingest). `sources[i]` is the
 * source row `out.rows[i]` came from.
 */
export function sortBatch(keys: readonly SortKey[], out: RowBatch, sources: readonly Row[]): void {
  const n = out.rows.length;
  if (n < 2) return;
  const tuples: unknown[][] = new Array(n);
  for (let i = 0; i < n; i++) tuples[i] = keys.map((k) => k.value(sources[i], out.rows[i]));
  const byTuple = (i: number, j: number) => compareKeys(keys, tuples[i], tuples[j]);
  if (typeof out.partition === 'string') {
    const order = Array.from({ length: n }, (_, i) => i).sort(byTuple);
    const rows = order.map((i) => out.rows[i]);
    for (let i = 0; i < n; i++) out.rows[i] = rows[i];
    if (out.kinds !== undefined) out.kinds = Uint8Array.from(order, (i) => out.kinds![i]);
    return;
  }
  // Several partitions: sort each partition's rows among the slots that partition occupies.
  const parts = out.partition;
  const slots = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    let s = slots.get(parts[i]);
    if (s === undefined) slots.set(parts[i], (s = []));
    s.push(i);
  }
  const rows = out.rows.slice();
  const kinds = out.kinds === undefined ? undefined : new Uint8Array(n);
  for (const s of slots.values()) {
    const order = s.slice().sort(byTuple);
    for (let k = 0; k < s.length; k++) {
      rows[s[k]] = out.rows[order[k]];
      if (kinds !== undefined) kinds[s[k]] = out.kinds![order[k]];
    }
  }
  for (let i = 0; i < n; i++) out.rows[i] = rows[i];
  if (kinds !== undefined) out.kinds = kinds;
}
