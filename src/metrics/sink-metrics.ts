import type { Counter, Histogram } from 'prom-client';
import {
  backpressureSecondsTotal,
  bytesOutTotal,
  errorsTotal,
  flushDurationSeconds,
  pipelineCommands,
  rowsDeadLetteredTotal,
  rowsInTotal,
  rowsOutTotal,
  rowsSkippedTotal,
} from './instruments.js';

/** A code label: an uppercase word (server prefix or `ERR_*` code), anything else is `OTHER`. */
const CODE = /^[A-Z][A-Z0-9_]{0,39}$/;

/** The `code` label of an error: a server reply's prefix, else the error's `.code`, kept bounded. */
export function errorCodeLabel(err: unknown): string {
  const e = err as { prefix?: unknown; code?: unknown; cause?: unknown } | null;
  const code = typeof e?.prefix === 'string' ? e.prefix : typeof e?.code === 'string' ? e.code : undefined;
  return code !== undefined && CODE.test(code) ? code : 'OTHER';
}

/**
 * One table's instruments, bound once per sink. The sink calls these per `write()` call, per
 * flush and per failure — never per row or per command.
 */
export class SinkMetrics {
  readonly table: string;
  readonly rowsIn: Counter.Internal;
  readonly rowsOut: Counter.Internal;
  readonly bytesOut: Counter.Internal;
  readonly rowsSkipped: Counter.Internal;
  readonly rowsDeadLettered: Counter.Internal;
  readonly backpressureSeconds: Counter.Internal;
  readonly flushDuration: Histogram.Internal<'table'>;
  readonly pipelineCommands: Histogram.Internal<'table'>;

  constructor(table: string) {
    this.table = table;
    this.rowsIn = rowsInTotal.labels(table);
    this.rowsOut = rowsOutTotal.labels(table);
    this.bytesOut = bytesOutTotal.labels(table);
    this.rowsSkipped = rowsSkippedTotal.labels(table);
    this.rowsDeadLettered = rowsDeadLetteredTotal.labels(table);
    this.backpressureSeconds = backpressureSecondsTotal.labels(table);
    this.flushDuration = flushDurationSeconds.labels(table);
    this.pipelineCommands = pipelineCommands.labels(table);
  }

  /** Counts `n` errors under `code` (see {@link errorCodeLabel}). */
  error(code: string, n = 1): void {
    errorsTotal.inc({ table: this.table, code }, n);
  }
}
