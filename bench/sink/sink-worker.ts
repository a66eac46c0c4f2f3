/**
 * Child process of the sink benchmark: one client, one table type, one run, then exit, so that
 * `process.cpuUsage()` and `resourceUsage().maxRSS` are that client's alone. The result goes back
 * to the parent over the IPC channel of `child_process.fork`.
 *
 *   parent ──fork──▶ sink-worker --client ioredis --type list --shape flat --port P --count N --batch B --inflight F
 *   parent ◀─IPC──── WorkerMessage
 *
 * Rows are generated chunk by chunk inside the timed loop (the same cost for every client).
 * laminar-redis: `await sink.write(chunk)` per chunk of `batch` rows, then `await sink.flush()`;
 * the sink keeps at most `inflight` flushes unacknowledged (maxInFlightRows, see below).
 * laminar-redis-eo: the same with exactly-once delivery, each chunk with its source positions
 * (partition `p0`, offset = row index), built in the loop.
 * Peers: `inflight` lanes, each awaiting its own pipeline before building the next.
 */
import { performance } from 'node:perf_hooks';
import { openBenchSink } from '../common/bench-sink.js';
import { reportToParent } from '../common/child-process.js';
import { errorText } from '../common/failures.js';
import { runLanes } from '../common/lanes.js';
import { type LoopFigures, processFigures, timeLoad } from '../common/measure.js';
import { loadArgsOf, oneOf, positiveInt, readWorkerOptions } from '../common/worker-args.js';
import { openPeer, type PeerId } from './sink-clients.js';
import {
  CLIENT_IDS,
  rowsOfShape,
  SHAPES,
  type SinkResult,
  sinkTable,
  TABLE_TYPES,
  type WorkerArgs,
  type WorkerMessage,
} from './sink-workload.js';

function readArgs(): WorkerArgs {
  const values = readWorkerOptions(['client', 'type', 'shape', 'port']);
  return {
    client: oneOf('client', values.client, CLIENT_IDS),
    type: oneOf('type', values.type, TABLE_TYPES),
    shape: oneOf('shape', values.shape, SHAPES),
    port: positiveInt('port', values.port),
    ...loadArgsOf(values),
  };
}

type LoadResult = Pick<
  SinkResult,
  'rows' | 'rowsAcked' | 'commands' | 'failedReplies' | 'firstFailure' | 'deadlineHit'
>;

interface Timed extends LoopFigures {
  load: LoadResult;
}

/** Source positions of rows [start, end): one partition, offset = row index. */
function positionsOf(start: number, end: number): { partition: string; offsets: number[] } {
  const offsets = new Array<number>(end - start);
  for (let i = start; i < end; i++) offsets[i - start] = i;
  return { partition: 'p0', offsets };
}

async function runLaminar(args: WorkerArgs, fenced: boolean): Promise<Timed> {
  const table = sinkTable(
    args.type,
    args.port,
    args.batch,
    args.shape,
    fenced ? 'exactly_once' : 'at_least_once',
  );
  const sink = await openBenchSink(table, args.inflight, args.batch);
  let written = 0;
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
        const rows = rowsOfShape(args.shape, start, end);
        if (fenced) await sink.write(rows, positionsOf(start, end));
        else await sink.write(rows);
        written = end;
      }
      await sink.flush();
    } catch (err) {
      failure = errorText(err);
    }
  });
  const { stats } = sink;
  await sink.close().catch(() => {}); // a failed sink rejects close() with the failure we already have
  return {
    load: {
      rows: written,
      rowsAcked: stats.rowsWritten,
      commands: stats.commands,
      failedReplies: failure === undefined ? 0 : 1,
      ...(failure === undefined ? {} : { firstFailure: failure }),
      deadlineHit,
    },
    seconds,
    cpuSeconds,
  };
}

async function runPeer(args: WorkerArgs, id: PeerId): Promise<Timed> {
  const peer = await openPeer(id, args.type, args.shape, '127.0.0.1', args.port);
  const load: LoadResult = { rows: 0, rowsAcked: 0, commands: 0, failedReplies: 0, deadlineHit: false };
  const { result, seconds, cpuSeconds } = await timeLoad((t0) =>
    runLanes(args, t0 + args.deadlineMs, async (start, end) => {
      load.rows += end - start;
      const outcome = await peer.writeBatch(rowsOfShape(args.shape, start, end));
      load.commands += outcome.commands;
      load.failedReplies += outcome.failed;
      load.firstFailure ??= outcome.firstFailure;
      if (outcome.failed === 0) load.rowsAcked += end - start;
    }),
  );
  load.deadlineHit = result.deadlineHit;
  await peer.close();
  return { load, seconds, cpuSeconds };
}

await reportToParent<WorkerMessage>('sink-worker', async () => {
  const args = readArgs();
  const { load, seconds, cpuSeconds } =
    args.client === 'laminar-redis' || args.client === 'laminar-redis-eo'
      ? await runLaminar(args, args.client === 'laminar-redis-eo')
      : await runPeer(args, args.client);
  return { kind: 'result', ...load, seconds, cpuSeconds, ...processFigures() };
});
