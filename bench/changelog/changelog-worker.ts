/**
 * Child process of the changelog suite: one variant, one run, then exit, so that
 * `process.cpuUsage()` and `resourceUsage().maxRSS` are that sink's alone.
 *
 *   parent ──fork──▶ changelog-worker --variant upsert --port P --count N --batch B --inflight F
 *   parent ◀─IPC──── WorkerMessage
 *
 * The load is the sink suite's laminar-redis loop: `await sink.write(chunk)` per chunk of `batch`
 * rows generated inside the timed loop (with their kinds, for upsert), then `await sink.flush()`.
 */
import { performance } from 'node:perf_hooks';
import { openBenchSink } from '../common/bench-sink.js';
import { reportToParent } from '../common/child-process.js';
import { errorText } from '../common/failures.js';
import { processFigures, timeLoad } from '../common/measure.js';
import { loadArgsOf, oneOf, positiveInt, readWorkerOptions } from '../common/worker-args.js';
import {
  changelogOf,
  stringTable,
  VARIANTS,
  type WorkerArgs,
  type WorkerMessage,
} from './changelog-workload.js';

function readArgs(): WorkerArgs {
  const values = readWorkerOptions(['variant', 'port']);
  return {
    variant: oneOf('variant', values.variant, VARIANTS),
    port: positiveInt('port', values.port),
    ...loadArgsOf(values),
  };
}

async function run(args: WorkerArgs) {
  const sink = await openBenchSink(
    stringTable(args.variant, args.port, args.batch),
    args.inflight,
    args.batch,
  );
  let rows = 0;
  let deadlineHit = false;
  let failure: string | undefined;
  const { seconds, cpuSeconds } = await timeLoad(async (t0) => {
    const deadline = t0 + args.deadlineMs;
    try {
      for (let start = 0; start < args.count; start += args.batch) {
        if (performance.now() > deadline) {
          deadlineHit = true;
          break;
        }
        const end = Math.min(args.count, start + args.batch);
        const { rows: chunk, kinds } = changelogOf(args.variant, start, end);
        if (kinds === undefined) await sink.write(chunk);
        else await sink.write(chunk, { kinds });
        rows += end - start;
      }
      await sink.flush();
    } catch (err) {
      failure = errorText(err);
    }
  });
  const { stats } = sink;
  await sink.close().catch(() => {});
  return {
    rows,
    rowsWritten: stats.rowsWritten,
    commands: stats.commands,
    flushes: stats.flushes,
    ...(failure === undefined ? {} : { failure }),
    deadlineHit,
    seconds,
    cpuSeconds,
  };
}

await reportToParent<WorkerMessage>('changelog-worker', async () => {
  const result = await run(readArgs());
  return { kind: 'result', ...result, ...processFigures() };
});
