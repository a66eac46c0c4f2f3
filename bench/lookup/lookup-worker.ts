/**
 * Child process of the lookup benchmark: one client, `passes` timed passes over the same events,
 * then exit, so that CPU and RSS figures are that client's alone.
 *
 *   parent ──fork──▶ lookup-worker --client node-redis --port P --passes 2 --count N --batch B --inflight F
 *   parent ◀─IPC──── WorkerMessage (figures and a tally of the enriched rows, per pass)
 *
 * Events are generated batch by batch inside the timed loop, the same for every client, and every
 * client produces new output rows (the event's columns and the user's), as a query stage must.
 *
 * laminar-redis: the SQL script is compiled as a job compiles it (compileSqlScript, then
 * planQueries with a LookupRegistry); the measured call is the query stage of the table,
 * `stage.apply(rows, partition, offsets)` — join keys, one `RedisLookup.lookup()`, typed columns,
 * projection. node-redis: one `mGet` of the batch's keys, `JSON.parse`, a new row per event.
 */
import { LookupRegistry } from '../../src/lookup/lookup-registry.js';
import { lookupTableOf } from '../../src/lookup/lookup-spec.js';
import { tableOf } from '../../src/sink/create-sink.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { planQueries } from '../../src/sql/job-queries.js';
import { reportToParent } from '../common/child-process.js';
import { runLanes } from '../common/lanes.js';
import { processFigures, timeLoad } from '../common/measure.js';
import { connectNodeRedis } from '../common/peer-connections.js';
import { loadArgsOf, oneOf, positiveInt, readWorkerOptions } from '../common/worker-args.js';
import {
  CACHE_OPTIONS,
  CLIENT_IDS,
  emptyTally,
  eventsOf,
  lookupScript,
  type PassFigures,
  tally,
  type WorkerArgs,
  type WorkerMessage,
} from './lookup-workload.js';

function readArgs(): WorkerArgs {
  const values = readWorkerOptions(['client', 'port', 'passes']);
  return {
    client: oneOf('client', values.client, CLIENT_IDS),
    port: positiveInt('port', values.port),
    passes: positiveInt('passes', values.passes),
    ...loadArgsOf(values),
  };
}

/** Runs one timed pass of `batch` over every event. */
async function pass(
  args: WorkerArgs,
  batch: (start: number, end: number) => Promise<ReadonlyArray<Record<string, unknown>>>,
): Promise<PassFigures> {
  const t = emptyTally();
  const { result, seconds, cpuSeconds } = await timeLoad((t0) =>
    runLanes(args, t0 + args.deadlineMs, async (start, end) => tally(t, await batch(start, end))),
  );
  return { seconds, cpuSeconds, tally: t, deadlineHit: result.deadlineHit };
}

async function runLaminar(args: WorkerArgs): Promise<PassFigures[]> {
  const cached = args.client === 'laminar-redis-cached';
  const spec = await compileSqlScript(lookupScript(args.port, cached ? CACHE_OPTIONS : ''), {
    name: 'lookup-bench',
  });
  const tables = [];
  for (const t of spec.tables) {
    const { sources, shards: _, ...front } = t;
    tables.push({ table: await tableOf(front as never), sources: sources ?? [] });
  }
  const lookups = new LookupRegistry(await Promise.all((spec.lookups ?? []).map(lookupTableOf)));
  const plans = await planQueries(spec.sources, tables, spec.queries ?? [], lookups);
  const stage = plans.get('enriched')?.stages.get('events');
  if (stage === undefined) throw new Error('the script compiled without a stage for enriched ← events');
  await lookups.open();
  const users = lookups.get('users');
  const out: PassFigures[] = [];
  try {
    for (let p = 0; p < args.passes; p++) {
      const before = users.stats().roundTrips;
      const figures = await pass(args, async (start, end) => {
        const offsets = new Array<number>(end - start);
        for (let i = start; i < end; i++) offsets[i - start] = i;
        const out = await stage.apply(eventsOf(start, end), 'events/0', offsets);
        return out.rows as Record<string, unknown>[];
      });
      out.push({ ...figures, roundTrips: users.stats().roundTrips - before });
    }
  } finally {
    await lookups.close();
  }
  return out;
}

async function runNodeRedis(args: WorkerArgs): Promise<PassFigures[]> {
  const client = await connectNodeRedis('127.0.0.1', args.port);
  const out: PassFigures[] = [];
  try {
    for (let p = 0; p < args.passes; p++) {
      let roundTrips = 0;
      const figures = await pass(args, async (start, end) => {
        const events = eventsOf(start, end);
        const keys: string[] = [];
        for (const e of events) if (e.user_id !== null) keys.push(e.user_id);
        roundTrips++;
        const values = keys.length === 0 ? [] : await client.mGet(keys);
        const rows = new Array<Record<string, unknown>>(events.length);
        let k = 0;
        for (let i = 0; i < events.length; i++) {
          const e = events[i];
          const value = e.user_id === null ? null : values[k++];
          const u = value === null || value === undefined ? null : JSON.parse(String(value));
          rows[i] = {
            event_id: e.event_id,
            user_id: e.user_id,
            amount: e.amount,
            name: u?.name ?? null,
            tier: u?.tier ?? null,
            country: u?.country ?? null,
            score: u?.score ?? null,
          };
        }
        return rows;
      });
      out.push({ ...figures, roundTrips });
    }
  } finally {
    await client.quit().catch(() => {});
  }
  return out;
}

await reportToParent<WorkerMessage>('lookup-worker', async () => {
  const args = readArgs();
  const passes = args.client === 'node-redis' ? await runNodeRedis(args) : await runLaminar(args);
  return { kind: 'result', passes, ...processFigures() };
});
