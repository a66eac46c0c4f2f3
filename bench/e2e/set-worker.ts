/**
 * Child process of the pipelined-SET benchmark: one client, one run, then exit. Living in its own
 * process makes `process.cpuUsage()` and `resourceUsage().maxRSS` that client's alone. The result
 * goes back to the parent over the IPC channel of `child_process.fork`.
 *
 *   parent ──fork──▶ set-worker --client ioredis --port P --count N --batch B --inflight F
 *   parent ◀─IPC──── WorkerMessage
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ClientNotBuiltError, openClient } from './set-clients.js';
import { CLIENT_IDS, type ClientId, type WorkerArgs, type WorkerMessage } from './set-workload.js';

function readArgs(): WorkerArgs {
  const { values } = parseArgs({
    options: {
      client: { type: 'string' },
      port: { type: 'string' },
      count: { type: 'string' },
      batch: { type: 'string' },
      inflight: { type: 'string' },
      'deadline-ms': { type: 'string' },
    },
  });
  const client = values.client as ClientId;
  if (!CLIENT_IDS.includes(client)) throw new Error(`unknown --client ${values.client}`);
  const int = (name: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  return {
    client,
    port: int('port', values.port),
    count: int('count', values.count),
    batch: int('batch', values.batch),
    inflight: int('inflight', values.inflight),
    deadlineMs: int('deadline-ms', values['deadline-ms']),
  };
}

const cpuSecondsOf = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

async function run(args: WorkerArgs): Promise<WorkerMessage> {
  const client = await openClient(args.client, '127.0.0.1', args.port);
  let next = 0;
  let sent = 0;
  let okReplies = 0;
  let failedReplies = 0;
  let firstFailure: string | undefined;
  let deadlineHit = false;

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + args.deadlineMs;
  // `inflight` lanes, each with one batch outstanding: at most `inflight` batches in flight.
  const lane = async () => {
    while (next < args.count) {
      if (performance.now() > deadline) {
        deadlineHit = true;
        return;
      }
      const start = next;
      const end = Math.min(args.count, start + args.batch);
      next = end;
      const outcome = await client.setBatch(start, end);
      sent += end - start;
      okReplies += outcome.ok;
      failedReplies += outcome.failed;
      firstFailure ??= outcome.firstFailure;
    }
  };
  await Promise.all(Array.from({ length: args.inflight }, lane));
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuSecondsOf(process.cpuUsage(cpu0));

  await client.close();
  return {
    kind: 'result',
    sent,
    okReplies,
    failedReplies,
    ...(firstFailure === undefined ? {} : { firstFailure }),
    seconds,
    cpuSeconds,
    cpuSecondsProcess: cpuSecondsOf(process.cpuUsage()),
    peakRssMb: process.resourceUsage().maxRSS / 1024, // maxRSS is KiB
    deadlineHit,
  };
}

async function main(): Promise<void> {
  let message: WorkerMessage;
  try {
    message = await run(readArgs());
  } catch (err) {
    if (err instanceof ClientNotBuiltError) {
      message = { kind: 'not-built', message: err.message };
    } else {
      // The whole story to stderr; the one-line reason goes into the report.
      console.error('[set-worker]', err);
      message = {
        kind: 'error',
        message: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      };
    }
  }
  if (process.send === undefined) {
    process.stdout.write(JSON.stringify(message) + '\n'); // run by hand, without the harness
    process.exit(0);
  }
  // Exit once the message is handed over: a client that leaves a handle open must not hang the run.
  process.send(message, () => process.exit(0));
}

await main();
