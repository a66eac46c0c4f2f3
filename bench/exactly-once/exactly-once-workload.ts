/**
 * The exactly-once workload, shared by the parent (exactly-once.ts), its child processes
 * (exactly-once-worker.ts) and the verification (exactly-once-verify.ts): the variants measured,
 * the source positions of each row, and what travels between the processes. The rows and the list
 * table are the sink suite's (sink-workload.ts); only `delivery` and the positions differ.
 *
 * | variant        | delivery      | write() per batch of rows [s, e)                                |
 * |----------------|---------------|-----------------------------------------------------------------|
 * | at-least-once  | at_least_once | `write(rows)`                                                   |
 * | exactly-once   | exactly_once  | `write(rows, { partition: 'p0', offsets: [s..e) })`            |
 * | exactly-once-4 | exactly_once  | `write(rows, { partition: [p(i % 4)], offsets: [⌊i / 4⌋] })`    |
 * | replay         | exactly_once  | as exactly-once-4, but rows [0, 10%) are written twice first    |
 *
 * Positions are a pure function of the row index, so a replayed row carries the offset it had the
 * first time: the fence skips it.
 */
import type { SinkTable } from '../../src/sink/model.js';
import type { ErrorMessage } from '../common/child-process.js';
import type { ProcessFigures } from '../common/measure.js';
import { type LoadArgs, loadArgv } from '../common/worker-args.js';
import { sinkTable } from '../sink/sink-workload.js';

export const VARIANTS = ['at-least-once', 'exactly-once', 'exactly-once-4', 'replay'] as const;
export type Variant = (typeof VARIANTS)[number];

export const VARIANT_INFO: Record<Variant, { label: string; fenced: boolean; partitions: number }> = {
  'at-least-once': { label: 'at-least-once', fenced: false, partitions: 1 },
  'exactly-once': { label: 'exactly-once, 1 partition', fenced: true, partitions: 1 },
  'exactly-once-4': { label: 'exactly-once, 4 partitions', fenced: true, partitions: 4 },
  replay: { label: 'exactly-once, 4 partitions, first 10% replayed', fenced: true, partitions: 4 },
};

/** Share of the rows the replay variant writes a second time (before going on). */
export const REPLAY_SHARE = 0.1;

/** Rows [0, replayedRows) are written twice by the replay variant. */
export const replayedRows = (count: number) => Math.floor(count * REPLAY_SHARE);

/** The list table of the sink suite, with the delivery of the variant. */
export function listTable(variant: Variant, port: number, batchSize: number): SinkTable {
  return {
    ...sinkTable('list', port, batchSize),
    delivery: VARIANT_INFO[variant].fenced ? 'exactly_once' : 'at_least_once',
  };
}

const PARTITION_NAMES = ['p0', 'p1', 'p2', 'p3'];

/** Partition name of row i when rows are spread over `partitions` partitions. */
export const partitionOf = (i: number, partitions: number) => PARTITION_NAMES[i % partitions];

/** Offset of row i within its partition: increasing in row order, per partition. */
export const offsetOf = (i: number, partitions: number) => Math.floor(i / partitions);

/** The positions of rows [start, end), as `RedisSink.write()` takes them. */
export function positionsOf(
  start: number,
  end: number,
  partitions: number,
): { partition: string | string[]; offsets: number[] } {
  const offsets = new Array<number>(end - start);
  if (partitions === 1) {
    for (let i = start; i < end; i++) offsets[i - start] = i;
    return { partition: PARTITION_NAMES[0], offsets };
  }
  const names = new Array<string>(end - start);
  for (let i = start; i < end; i++) {
    names[i - start] = PARTITION_NAMES[i % partitions];
    offsets[i - start] = Math.floor(i / partitions);
  }
  return { partition: names, offsets };
}

/** `count` is distinct rows; the replay variant hands `count + replayedRows(count)` to the sink. */
export interface WorkerArgs extends LoadArgs {
  variant: Variant;
  port: number;
}

export interface ExactlyOnceResult extends ProcessFigures {
  kind: 'result';
  /** Rows handed to `write()`, replayed ones included. */
  rows: number;
  /** The sink's counters at the end. */
  rowsWritten: number;
  rowsDuplicate: number;
  commands: number;
  flushes: number;
  scriptReloads: number;
  backpressureWaits: number;
  failure?: string;
  deadlineHit: boolean;
}

export type WorkerMessage = ExactlyOnceResult | ErrorMessage;

export function workerArgv(a: WorkerArgs): string[] {
  return ['--variant', a.variant, '--port', String(a.port), ...loadArgv(a)];
}
