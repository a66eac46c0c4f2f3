/**
 * Child process of the sink benchmark: one client, one table type, one run, then exit, so that
 * `process.cpuUsage()` and `resourceUsage().maxRSS` are that client's alone. The result goes back
 * to the parent over the IPC channel of `child_process.fork`.
 *
 *   parent ──fork──▶ sink-worker --client ioredis --type list --port P --count N --batch B --inflight F
 *   parent ◀─IPC──── WorkerMessage
 *
 * Rows are generated chunk by chunk inside the timed loop (the same cost for every client).
 * laminar-redis: `await sink.write(chunk)` per chunk of `batch` rows, then `await sink.flush()`;
 * the sink keeps at most `inflight` flushes unacknowledged (maxInFlightRows, see below).
 * Peers: `inflight` lanes, each awaiting its own pipeline before building the next.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openPeer } from './sink-clients.js';
import {
  CLIENT_IDS,
  type ClientId,
  rowsOf,
  sinkTable,
  TABLE_TYPES,
  type TableType,
  type WorkerArgs,
  type WorkerMessage,
} from './sink-workload.js';

function readArgs(): WorkerArgs {
  const { values } = parseArgs({
    options: {
      client: { type: 'string' },
      type: { type: 'string' },
      port: { type: 'string' },
      count: { type: 'string' },
      batch: { type: 'string' },
      inflight: { type: 'string' },
      'deadline-ms': { type: 'string' },
    },
  });
  const client = values.client as ClientId;
  if (!CLIENT_IDS.includes(client)) throw new Error(`unknown --client ${values.client}`);
  const type = values.type as TableType;
  if (!TABLE_TYPES.includes(type)) throw new Error(`unknown --type ${values.type}`);
  const int = (name: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  return {
    client,
    type,
    port: int('port', values.port),
    count: int('count', values.count),
    batch: int('batch', values.batch),
    inflight: int('inflight', values.inflight),
    deadlineMs: int('deadline-ms', values['deadline-ms']),
  };
}

const cpuSecondsOf = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

type LoadResult = Pick<
  Extract<WorkerMessage, { kind: 'result' }>,
  'rows' | 'rowsAcked' | 'commands' | 'failedReplies' | 'firstFailure' | 'deadlineHit'
>;

interface Timed {
  load: LoadResult;
  seconds: number;
  cpuSeconds: number;
}

async function runLaminar(args: WorkerArgs): Promise<Timed> {
  const { createSink } = await import('../../src/sink/create-sink.js');
  const { pino } = await import('pino');
  // write() returns once at most inflight-1 batches are unacknowledged, so the batch it sends next
  // makes at most `inflight` outstanding: the same window as the peers' lanes.
  const sink = await createSink(
    { model: sinkTable(args.type, args.port, args.batch) },
    {
      logger: pino({ level: 'error' }, pino.destination(2)),
      maxInFlightRows: (args.inflight - 1) * args.batch,
    },
  );
  let rows = 0;
  let deadlineHit = false;
  let failure: string | undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + args.deadlineMs;
  try {
    for (let start = 0; start < args.count; start += args.batch) {
      if (performance.now() > deadline) {
        deadlineHit = true;
        break;
      }
      const end = Math.min(args.count, start + args.batch);
      await sink.write(rowsOf(start, end));
      rows = end;
    }
    await sink.flush();
  } catch (err) {
    failure = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuSecondsOf(process.cpuUsage(cpu0));
  const { stats } = sink;
  await sink.close().catch(() => {}); // a failed sink rejects close() with the failure we already have
  return {
    load: {
      rows,
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

async function runPeer(args: WorkerArgs, id: Exclude<ClientId, 'laminar-redis'>): Promise<Timed> {
  const peer = await openPeer(id, args.type, '127.0.0.1', args.port);
  const load: LoadResult = { rows: 0, rowsAcked: 0, commands: 0, failedReplies: 0, deadlineHit: false };
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + args.deadlineMs;
  // `inflight` lanes, each with one batch outstanding: at most `inflight` batches in flight.
  const lane = async () => {
    while (next < args.count) {
      if (performance.now() > deadline) {
        load.deadlineHit = true;
        return;
      }
      const start = next;
      const end = Math.min(args.count, start + args.batch);
      next = end;
      load.rows += end - start;
      const outcome = await peer.writeBatch(rowsOf(start, end));
      load.commands += outcome.commands;
      load.failedReplies += outcome.failed;
      load.firstFailure ??= outcome.firstFailure;
      if (outcome.failed === 0) load.rowsAcked += end - start;
    }
  };
  await Promise.all(Array.from({ length: args.inflight }, lane));
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuSecondsOf(process.cpuUsage(cpu0));
  await peer.close();
  return { load, seconds, cpuSeconds };
}

async function run(args: WorkerArgs): Promise<WorkerMessage> {
  const { load, seconds, cpuSeconds } =
    args.client === 'laminar-redis' ? await runLaminar(args) : await runPeer(args, args.client);
  return {
    kind: 'result',
    ...load,
    seconds,
    cpuSeconds,
    cpuSecondsProcess: cpuSecondsOf(process.cpuUsage()),
    peakRssMb: process.resourceUsage().maxRSS / 1024, // maxRSS is KiB
  };
}

async function main(): Promise<void> {
  let message: WorkerMessage;
  try {
    message = await run(readArgs());
  } catch (err) {
    // The whole story to stderr; the one-line reason goes into the report.
    console.error('[sink-worker]', err);
    message = { kind: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  if (process.send === undefined) {
    process.stdout.write(JSON.stringify(message) + '\n'); // run by hand, without the harness
    process.exit(0);
  }
  // Exit once the message is handed over: a client that leaves a handle open must not hang the run.
  process.send(message, () => process.exit(0));
}

await main();
