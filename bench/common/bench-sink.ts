import type { SinkTable } from '../../src/sink/model.js';
import type { RedisSink } from '../../src/sink/sink.js';

/**
 * The sink a benchmark child measures. `write()` returns once at most `inflight - 1` batches are
 * unacknowledged, so the batch it sends next makes at most `inflight` outstanding: the same window
 * as the peers' lanes. Imported lazily so a peer's child never loads laminar-redis.
 */
export async function openBenchSink(model: SinkTable, inflight: number, batch: number): Promise<RedisSink> {
  const { createSink } = await import('../../src/sink/create-sink.js');
  const { pino } = await import('pino');
  return createSink(
    { model },
    { logger: pino({ level: 'error' }, pino.destination(2)), maxInFlightRows: (inflight - 1) * batch },
  );
}
