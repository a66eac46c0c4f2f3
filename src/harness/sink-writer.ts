/**
 * Embedded mode: rows go through a `RedisSink` in this process. The table's `batchSize` is the
 * benchmark's, and the loop hands over whole batches, so each `write()` fills and sends exactly
 * one flush; `settled()` right after it is that flush's acknowledgement (replies come back in
 * order on each connection, so it also covers every flush before it). The sink's own in-flight
 * bound is set above the loop's window, so the loop — not the sink — decides when to wait.
 */
import type { LaminarLogger } from '../log.js';
import { createSink } from '../sink/create-sink.js';
import type { Row } from '../sink/row-encoder.js';
import type { RedisSink, RowPositions } from '../sink/sink.js';
import type { BenchWriter } from './bench-writer.js';

/** The source partition of every row of a benchmark (exactly-once positions). */
const PARTITION = 'bench';

export class SinkWriter implements BenchWriter {
  private constructor(
    readonly sink: RedisSink,
    readonly exactlyOnce: boolean,
  ) {}

  static async open(
    profileBody: Record<string, unknown>,
    tableBody: Record<string, unknown>,
    window: { batchSize: number; inFlight: number; exactlyOnce: boolean },
    env: NodeJS.ProcessEnv,
    logger: LaminarLogger | undefined,
  ): Promise<SinkWriter> {
    const sink = await createSink(
      { profile: profileBody, table: tableBody },
      { env, logger, maxInFlightRows: (window.inFlight + 1) * window.batchSize },
    );
    return new SinkWriter(sink, window.exactlyOnce);
  }

  write(rows: Row[], first: number): Promise<void> {
    if (!this.exactlyOnce) return this.sink.write(rows);
    const offsets = new Array<number>(rows.length);
    for (let j = 0; j < rows.length; j++) offsets[j] = first + j;
    const positions: RowPositions = { partition: PARTITION, offsets };
    return this.sink.write(rows, positions);
  }

  acked(): Promise<void> {
    return this.sink.settled();
  }

  async close(): Promise<void> {
    await this.sink.close().catch(() => {});
  }
}
