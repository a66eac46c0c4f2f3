/**
 * Child process: the sink suite's laminar-redis loop (bench/sink/sink-worker.ts: `await
 * sink.write(batch)` per batch, at most `inFlight` flushes unacknowledged, one `flush()` at the end)
 * over exactly the rows and the table `runBenchmark()` writes (its row source and table body), so
 * that the only difference from harness-worker.ts is the harness itself: its load loop, latency
 * histograms and interval timer.
 */
import { pino } from 'pino';
import { rowSource } from '../../src/harness/bench-rows.js';
import { tableBody } from '../../src/harness/bench-table.js';
import { keyChoice } from '../../src/harness/key-choice.js';
import { createSink } from '../../src/sink/create-sink.js';
import { reportToParent } from '../common/child-process.js';
import { processFigures, timeLoad } from '../common/measure.js';
import { type BareSinkMessage, readSpec } from './harness-workload.js';

await reportToParent<BareSinkMessage>('bare-sink-worker', async () => {
  const spec = readSpec();
  const rows = spec.rows ?? 0;
  const source = await rowSource('flat', keyChoice(spec.keys, 0), null);
  const table = tableBody({
    name: `bare_${spec.runId.replace(/-/g, '_')}`,
    target: spec.target,
    keyPrefix: `bench:${spec.runId}:`,
    layout: source.layout,
    columns: source.columns,
    exactlyOnce: false,
    batchSize: spec.batchSize,
    inFlight: spec.inFlight,
  });
  const sink = await createSink(
    { profile: { name: 'bench', connector: 'redis', config: { connection: { address: spec.url } } }, table },
    {
      logger: pino({ level: 'error' }, pino.destination(2)),
      // The sink suite's window (bench/common/bench-sink.ts): the next write waits while
      // inFlight - 1 batches are unacknowledged.
      maxInFlightRows: (spec.inFlight - 1) * spec.batchSize,
    },
  );
  const { seconds, cpuSeconds } = await timeLoad(async () => {
    for (let first = 0; first < rows; first += spec.batchSize) {
      await sink.write(source.rows(first, Math.min(spec.batchSize, rows - first)));
    }
    await sink.flush();
  });
  const rowsAcked = sink.stats.rowsWritten;
  await sink.close();
  return { kind: 'result', rows, rowsAcked, seconds, cpuSeconds, ...processFigures() };
});
