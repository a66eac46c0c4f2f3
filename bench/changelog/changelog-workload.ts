/**
 * The changelog workload, shared by the parent (changelog.ts) and its child processes
 * (changelog-worker.ts): the sink suite's string table (key `id`, JSON, `EX 3600`) written at
 * least once, as a plain `append` table and as an `upsert` table whose changelog deletes 20% of
 * the rows.
 *
 * | variant | table mode | write() per batch of rows [s, e)                                      |
 * |---------|------------|-----------------------------------------------------------------------|
 * | append  | append     | `write(rows)`: rows i = rowAt(i)                                      |
 * | upsert  | upsert     | `write(rows, { kinds })`: row i is rowAt(i), but every fifth (i % 5   |
 * |         |            | = 4) is a delete of the row before it, rowAt(i - 1), in the same flush |
 *
 * Both hand the sink the same number of rows; after the upsert run the keys of rows i % 5 = 3 are
 * deleted and those of rows i % 5 = 4 were never written.
 */
import { ROW_DELETE, ROW_INSERT } from '../../src/sink/changelog.js';
import type { SinkTable } from '../../src/sink/model.js';
import type { ErrorMessage } from '../common/child-process.js';
import type { ProcessFigures } from '../common/measure.js';
import { type LoadArgs, loadArgv } from '../common/worker-args.js';
import { type EventRow, rowAt, sinkTable } from '../sink/sink-workload.js';

export const VARIANTS = ['append', 'upsert'] as const;
export type Variant = (typeof VARIANTS)[number];

export const VARIANT_LABEL: Record<Variant, string> = {
  append: 'append, at-least-once',
  upsert: 'upsert, 20% deletes',
};

/** One row in DELETE_EVERY is a delete. */
export const DELETE_EVERY = 5;

/** Whether row i of the upsert changelog is a delete (of row i - 1). */
export const isDelete = (i: number) => i % DELETE_EVERY === DELETE_EVERY - 1;

/** The sink suite's string table, in the variant's mode. */
export function stringTable(variant: Variant, port: number, batchSize: number): SinkTable {
  const t = sinkTable('string', port, batchSize);
  return variant === 'upsert' ? { ...t, name: 'bench_string_upsert', mode: 'upsert' } : t;
}

/** Rows [start, end) of the variant, and their kinds (upsert only). */
export function changelogOf(
  variant: Variant,
  start: number,
  end: number,
): { rows: EventRow[]; kinds?: Uint8Array } {
  const rows = new Array<EventRow>(end - start);
  if (variant === 'append') {
    for (let i = start; i < end; i++) rows[i - start] = rowAt(i);
    return { rows };
  }
  const kinds = new Uint8Array(end - start);
  for (let i = start; i < end; i++) {
    const del = isDelete(i);
    rows[i - start] = rowAt(del ? i - 1 : i);
    kinds[i - start] = del ? ROW_DELETE : ROW_INSERT;
  }
  return { rows, kinds };
}

/**
 * Whether the key of row i is in Redis after the variant wrote `count` rows: upsert leaves rows
 * i % 5 in 0..2, and a row i % 5 = 3 only when it is the last (no delete came after it).
 */
export function keptAfter(variant: Variant, i: number, count: number): boolean {
  if (variant === 'append') return true;
  const r = i % DELETE_EVERY;
  return r < DELETE_EVERY - 2 || (r === DELETE_EVERY - 2 && i + 1 >= count);
}

/** Keys the variant leaves after `count` rows. */
export function keysLeft(variant: Variant, count: number): number {
  let n = 0;
  for (let i = 0; i < count; i++) if (keptAfter(variant, i, count)) n++;
  return n;
}

export interface WorkerArgs extends LoadArgs {
  variant: Variant;
  port: number;
}

export interface ChangelogResult extends ProcessFigures {
  kind: 'result';
  rows: number;
  rowsWritten: number;
  commands: number;
  flushes: number;
  failure?: string;
  deadlineHit: boolean;
}

export type WorkerMessage = ChangelogResult | ErrorMessage;

export function workerArgv(a: WorkerArgs): string[] {
  return ['--variant', a.variant, '--port', String(a.port), ...loadArgv(a)];
}
