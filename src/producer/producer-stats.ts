/** Counters of a {@link Producer}, all since it was created. */
export interface ProducerStats {
  /** Rows accepted by `write()`. */
  rowsWritten: number;
  /** Rows acknowledged durable by the workers. */
  rowsAcked: number;
  /** Rows sent again after a reconnect (the worker drops the ones it already had). */
  rowsResent: number;
  /** Batches written to a stream, first sends and resends. */
  batchesSent: number;
  /** Streams opened again after one was lost. */
  reconnects: number;
  /** Rows in the window now: written, not yet acknowledged. */
  unackedRows: number;
}

/** Fresh counters. */
export function emptyStats(): ProducerStats {
  return { rowsWritten: 0, rowsAcked: 0, rowsResent: 0, batchesSent: 0, reconnects: 0, unackedRows: 0 };
}
