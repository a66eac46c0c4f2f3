/**
 * Child process of the exactly-once suite: one variant, one run, then exit, so that
 * `process.cpuUsage()` and `resourceUsage().maxRSS` are that sink's alone.
 *
 *   parent ──fork──▶ exactly-once-worker --variant exactly-once --port P --count N --batch B --inflight F
 *   parent ◀─IPC──── WorkerMessage
 *
 * The load is the sink suite's laminar-redis loop (sink-worker.ts): `await sink.write(chunk)` per
 * chunk of `batch` rows generated inside the timed loop, then `await sink.flush()`, with at most
 * `inflight` flushes unacknowledged. Fenced variants also build each chunk's positions in the loop.
 */
import { performance } from 'node:perf_hooks';
import { openBenchSink } from '../common/bench-sink.js';
import { reportToParent } from '../common/child-process.js';
import { errorText } from '../common/failures.js';
import { processFigures, timeLoad } from '../common/measure.js';
import { loadArgsOf, oneOf, positiveInt, readWorkerOptions } from '../common/worker-args.js';
import { rowsOf } from '../sink/sink-workload.js';
import {
  type ExactlyOnceResult,
  listTable,
  positionsOf,
  replayedRows,
  VARIANT_INFO,
  VARIANTS,
  type WorkerArgs,
  type WorkerMessage,
} from './exactly-once-workload.js';

function readArgs(): WorkerArgs {
  const values = readWorkerOptions(['variant', 'port']);
  return {
    variant: oneOf('variant', values.variant, VARIANTS),
    port: positiveInt('port', values.port),
    ...loadArgsOf(values),
  };
}

/** The row ranges handed to the sink, in order: [0, count), or for the replay [0, R) twice first. */
function rangesOf(args: WorkerArgs): [number, number][] {
  if (args.variant !== 'replay') return [[0, args.count]];
  const r = replayedRows(args.count);
  return [
    [0, r],
    [0, r],
    [r, args.count],
  ];
}

type Load = Omit<ExactlyOnceResult, 'kind' | 'seconds' | 'cpuSeconds' | 'cpuSecondsProcess' | 'peakRssMb'>;

async function run(args: WorkerArgs): Promise<Load & { seconds: number; cpuSeconds: number }> {
  const { fenced, partitions } = VARIANT_INFO[args.variant];
  // On standalone Redis fenced flushes are in flight together, like the others (RedisSink
  // #flushBatch: a call sent after one that was not applied whole refuses the gap, FENCEGAP).
  const sink = await openBenchSink(listTable(args.variant, args.port, args.batch), args.inflight, args.batch);
  let rows = 0;
  let deadlineHit = false;
  let failure: string | undefined;
  const { seconds, cpuSeconds } = await timeLoad(async (t0) => {
    const deadline = t0 + args.deadlineMs;
    try {
      for (const [from, to] of rangesOf(args)) {
        for (let start = from; start < to && !deadlineHit; start += args.batch) {
          if (performance.now() > deadline) {
            deadlineHit = true;
            break;
          }
          const end = Math.min(to, start + args.batch);
          if (fenced) await sink.write(rowsOf(start, end), positionsOf(start, end, partitions));
          else await sink.write(rowsOf(start, end));
          rows += end - start;
        }
      }
      await sink.flush();
    } catch (err) {
      failure = errorText(err);
    }
  });
  const { stats } = sink;
  await sink.close().catch(() => {}); // a failed sink rejects close() with the failure we already have
  return {
    rows,
    rowsWritten: stats.rowsWritten,
    rowsDuplicate: stats.rowsDuplicate,
    commands: stats.commands,
    flushes: stats.flushes,
    scriptReloads: stats.scriptReloads,
    backpressureWaits: stats.backpressureWaits,
    ...(failure === undefined ? {} : { failure }),
    deadlineHit,
    seconds,
    cpuSeconds,
  };
}

await reportToParent<WorkerMessage>('exactly-once-worker', async () => {
  const result = await run(readArgs());
  return { kind: 'result', ...result, ...processFigures() };
});
