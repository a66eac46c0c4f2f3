/**
 * Client process of the distributed suite: writes its share of the rows either through
 * `createSink` in this process (the embedded baseline) or through a `Producer` into the running
 * coordinator + workers, then exits. Several may run at once; the parent starts them together.
 *
 *   parent ──fork──▶ distributed-client --mode producer --coordinator H:P --index 0 --clients 1 …
 *   parent ◀─IPC──── { kind: 'ready' }      library loaded, connected, routing fetched
 *   parent ──IPC───▶ 'go'
 *   parent ◀─IPC──── ClientResult           first write … flush() resolved (durable)
 *
 * Rows are generated chunk by chunk inside the timed loop (the same cost on both paths).
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { reportToParent } from '../common/child-process.js';
import { errorText } from '../common/failures.js';
import { processFigures, timeLoad } from '../common/measure.js';
import { oneOf, positiveInt } from '../common/worker-args.js';
import {
  type ClientArgs,
  type ClientMessage,
  type ClientResult,
  profileBody,
  type SessionRow,
  sessionRowAt,
  TABLE_NAME,
  tableBody,
} from './distributed-workload.js';

/** What both paths look like to the load loop. */
interface Writer {
  write(rows: SessionRow[]): Promise<void>;
  flush(): Promise<void>;
  acked(): number;
  close(): Promise<void>;
  extra(): Pick<ClientResult, 'batchesSent' | 'rowsResent'>;
}

/** The options `clientArgv` writes: every field of ClientArgs. */
const OPTIONS = [
  'mode',
  'port',
  'coordinator',
  'count',
  'index',
  'clients',
  'chunk',
  'batch',
  'window',
  'encoding',
  'deadlineMs',
] as const satisfies readonly (keyof ClientArgs)[];

function readArgs(): ClientArgs {
  const { values } = parseArgs({
    options: Object.fromEntries(OPTIONS.map((n) => [n, { type: 'string' as const }])),
  });
  const v = values as Record<string, string | undefined>;
  const index = Number(v.index);
  if (!Number.isSafeInteger(index) || index < 0) throw new Error('--index must be a non-negative integer');
  return {
    mode: oneOf('mode', v.mode, ['sink', 'producer'] as const),
    port: positiveInt('port', v.port),
    coordinator: v.coordinator ?? '',
    count: positiveInt('count', v.count),
    index,
    clients: positiveInt('clients', v.clients),
    chunk: positiveInt('chunk', v.chunk),
    batch: positiveInt('batch', v.batch),
    window: positiveInt('window', v.window),
    encoding: oneOf('encoding', v.encoding, ['keyed', 'json', 'v8'] as const),
    deadlineMs: positiveInt('deadlineMs', v.deadlineMs),
  };
}

const quietLogger = () => pino({ level: 'error' }, pino.destination(2));

async function openWriter(a: ClientArgs): Promise<Writer> {
  if (a.mode === 'sink') {
    const { createSink } = await import('../../src/sink/create-sink.js');
    const sink = await createSink(
      { profile: profileBody(a.port), table: tableBody(a.batch) },
      { logger: quietLogger(), maxInFlightRows: a.window },
    );
    return {
      write: (rows) => sink.write(rows),
      flush: () => sink.flush(),
      acked: () => sink.stats.rowsWritten,
      close: () => sink.close(),
      extra: () => ({}),
    };
  }
  const { Producer } = await import('../../src/producer/producer.js');
  const p = new Producer({
    coordinator: a.coordinator,
    table: TABLE_NAME,
    batchRows: a.batch,
    maxUnackedRows: a.window,
    encoding: a.encoding,
    logger: quietLogger(),
  });
  await p.flush(); // nothing written yet: resolves once the routing is in
  return {
    write: (rows) => p.write(rows),
    flush: () => p.flush(),
    acked: () => p.stats().rowsAcked,
    close: () => p.close(),
    extra: () => {
      const s = p.stats();
      return { batchesSent: s.batchesSent, rowsResent: s.rowsResent };
    },
  };
}

/** Waits for the parent's `go` (at once when run by hand). */
function untilGo(): Promise<void> {
  if (process.send === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    process.once('message', () => resolve());
    process.send!({ kind: 'ready' } satisfies ClientMessage);
  });
}

async function run(a: ClientArgs): Promise<ClientResult> {
  const writer = await openWriter(a);
  await untilGo();
  const mine = Math.floor((a.count - a.index + a.clients - 1) / a.clients);
  let rows = 0;
  let deadlineHit = false;
  let failure: string | undefined;
  let flushFrom = 0;
  let flushMs = 0;
  const startMs = performance.timeOrigin + performance.now();
  const { seconds, cpuSeconds } = await timeLoad(async (t0) => {
    try {
      while (rows < mine) {
        if (performance.now() - t0 > a.deadlineMs) {
          deadlineHit = true;
          break;
        }
        const n = Math.min(a.chunk, mine - rows);
        const chunk = new Array<SessionRow>(n);
        for (let j = 0; j < n; j++) chunk[j] = sessionRowAt(a.index + a.clients * (rows + j));
        await writer.write(chunk);
        rows += n;
      }
      flushFrom = performance.now();
      await writer.flush();
      flushMs = performance.now() - flushFrom;
    } catch (err) {
      failure = errorText(err);
    }
  });
  const endMs = startMs + seconds * 1000;
  const rowsAcked = writer.acked();
  const extra = writer.extra();
  await writer.close().catch(() => {}); // a failed writer rejects close() with what we already have
  return {
    kind: 'result',
    rows,
    rowsAcked,
    startMs,
    endMs,
    flushMs,
    deadlineHit,
    ...(failure === undefined ? {} : { failure }),
    ...extra,
    seconds,
    cpuSeconds,
    ...processFigures(),
  };
}

await reportToParent<ClientMessage>('distributed-client', () => run(readArgs()));
