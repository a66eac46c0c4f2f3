/**
 * What the load loop writes through: a sink in this process, or a running coordinator's workers
 * through the `Producer`. Both take a batch and give one promise that resolves once every row
 * handed over so far is acknowledged — by Redis for the sink, by a checkpoint for the producer.
 */
import type { Row } from '../sink/row-encoder.js';

export interface BenchWriter {
  /** Hands over rows `first..first+rows.length-1`; resolves once they are accepted. */
  write(rows: Row[], first: number): Promise<void>;
  /** Resolves once every row handed over so far is acknowledged; rejects with the write's failure. */
  acked(): Promise<void>;
  /** Flushes what is left and closes; never throws for an earlier failure (it was counted). */
  close(): Promise<void>;
}
