/**
 * End-to-end suite `lookup`: enrichment throughput of a Redis lookup join. 1,000,000 events
 * (quick: 100,000), batches of 500 with 4 in flight, each event's user id looked up among 100,000
 * JSON values in a private redis-server and merged into a new row — by laminar-redis's compiled
 * query stage (`... FROM events e LEFT JOIN users u ON e.user_id = u.id`), with and without its
 * cache, and by hand-written node-redis code doing the same work (one MGET per batch, JSON.parse,
 * a new row per event). Each client runs in its own child process, two timed passes over the same
 * events: the first is the cold one (an empty cache fills), the second the warm one.
 *
 *   fill user:0 … user:99999 (one EVAL through redis-cli)
 *   for each round:
 *     for each client (order rotated per round):
 *       fork lookup-worker ─▶ pass 1, pass 2 ─▶ figures + tally of the enriched rows over IPC
 *       tally checked against the one computed here from the workload's definition
 *   row per (pass, client) = its median round by rows/s
 */

import { startBenchRedisServer } from '../common/bench-redis.js';
import { forkWorker } from '../common/child-process.js';
import { fmt, medianBy, roundTo } from '../common/figures.js';
import { VERIFICATION_FAILED } from '../report.js';
import type { SuiteOptions } from '../run.js';
import type { BenchRow, SuiteResult } from '../types.js';
import {
  BATCH,
  CLIENT_IDS,
  CLIENT_INFO,
  type ClientId,
  expectedTally,
  FILL_SCRIPT,
  INFLIGHT,
  KEYS,
  MISSING,
  NULL_EVERY,
  type PassFigures,
  type Tally,
  type WorkerMessage,
  workerArgv,
} from './lookup-workload.js';

const WORKER = new URL('./lookup-worker.js', import.meta.url);
const FULL = { count: 1_000_000, rounds: 3, deadlineMs: 120_000 };
const QUICK = { count: 100_000, rounds: 1, deadlineMs: 30_000 };
const PASSES = ['cold', 'warm'] as const;

interface RunRecord {
  passes: PassFigures[];
  peakRssMb: number;
  failure?: string;
}

function sameTally(a: Tally, b: Tally): boolean {
  return (
    a.rows === b.rows &&
    a.matched === b.matched &&
    a.tierSum === b.tierSum &&
    Math.abs(a.scoreSum - b.scoreSum) <= 1e-6 * Math.max(1, Math.abs(b.scoreSum))
  );
}

export async function runLookupBench(options: SuiteOptions = {}): Promise<SuiteResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { count, rounds, deadlineMs } = options.quick ? QUICK : FULL;
  const scale = count % 1_000_000 === 0 ? `${count / 1_000_000}M` : `${count / 1000}k`;
  const want = expectedTally(count);

  const server = await startBenchRedisServer();
  const runs = new Map<ClientId, RunRecord[]>();
  try {
    const filled = await server.cli('EVAL', FILL_SCRIPT, '0', String(KEYS));
    if (Number(filled) !== KEYS) throw new Error(`filling the lookup table answered ${filled}`);
    log(
      `redis-server on ${server.url}; ${KEYS} lookup keys; ${count} events × ${rounds} round(s) × 2 passes, batches of ${BATCH}, ${INFLIGHT} in flight`,
    );
    for (let round = 0; round < rounds; round++) {
      const order = CLIENT_IDS.map((_, i) => CLIENT_IDS[(i + round) % CLIENT_IDS.length]);
      for (const client of order) {
        const args = {
          client,
          port: server.port,
          passes: 2,
          count,
          batch: BATCH,
          inflight: INFLIGHT,
          deadlineMs,
        };
        const message = await forkWorker<WorkerMessage>(WORKER, workerArgv(args), deadlineMs * 2);
        const record: RunRecord =
          message.kind === 'error'
            ? { passes: [], peakRssMb: 0, failure: `client error: ${message.message}` }
            : { passes: message.passes, peakRssMb: message.peakRssMb };
        for (const [p, figures] of record.passes.entries()) {
          if (figures.deadlineHit) record.failure ??= `deadline of ${deadlineMs} ms hit in pass ${p + 1}`;
          else if (!sameTally(figures.tally, want))
            record.failure ??= `pass ${p + 1} enriched rows differ: got ${JSON.stringify(figures.tally)}, want ${JSON.stringify(want)}`;
        }
        runs.set(client, [...(runs.get(client) ?? []), record]);
        log(
          `  round ${round + 1} ${CLIENT_INFO[client].label}: ` +
            record.passes
              .map(
                (f, p) =>
                  `${PASSES[p]} ${fmt(count / f.seconds)} rows/s (${f.roundTrips ?? '?'} round trips)`,
              )
              .join(', ') +
            (record.failure ? `  !!! ${record.failure}` : ''),
        );
      }
    }
  } finally {
    await server.stop();
  }

  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const best = new Map<string, number>(); // `${pass}/${client}` → median rows/s of verified runs
  for (const [p, pass] of PASSES.entries()) {
    const caseName = `${scale} events ⋈ ${KEYS / 1000}k keys — ${pass} (pass ${p + 1})`;
    for (const client of CLIENT_IDS) {
      const all = runs.get(client) ?? [];
      const failures = all.filter((r) => r.failure !== undefined);
      const ok = all.filter((r) => r.failure === undefined && r.passes[p] !== undefined);
      const speed = (r: RunRecord) => count / r.passes[p].seconds;
      const median = ok.length > 0 ? medianBy(ok, speed) : undefined;
      const figures = median?.passes[p];
      rows.push({
        case: caseName,
        client: CLIENT_INFO[client].label,
        opsPerSec: median === undefined ? 0 : roundTo(speed(median), 0),
        ...(figures === undefined ? {} : { cpuSeconds: roundTo(figures.cpuSeconds, 2) }),
        ...(median === undefined ? {} : { peakRssMb: roundTo(median.peakRssMb, 0) }),
        extra: {
          method: CLIENT_INFO[client].method,
          ...(figures === undefined
            ? {}
            : {
                'round trips': figures.roundTrips ?? '—',
                'CPU µs/row': roundTo((figures.cpuSeconds / count) * 1e6, 2),
              }),
          ...(rounds > 1 && ok.length > 0
            ? {
                'rows/s range': `${fmt(Math.min(...ok.map(speed)))}–${fmt(Math.max(...ok.map(speed)))}`,
              }
            : {}),
          verified:
            failures.length === 0
              ? `${fmt(want.rows)} rows, ${fmt(want.matched)} matched, tallies equal`
              : `FAILED: ${failures[0].failure}`,
        },
      });
      if (p === 0 && failures.length > 0) {
        notes.push(
          `${VERIFICATION_FAILED} for ${CLIENT_INFO[client].label} in ${failures.length} of ${all.length} round(s): ${failures[0].failure}`,
        );
      }
      if (median !== undefined && failures.length === 0) best.set(`${pass}/${client}`, speed(median));
    }
  }
  const ratios: SuiteResult['ratios'] = [];
  const ratio = (label: string, a: string, b: string) => {
    const x = best.get(a);
    const y = best.get(b);
    if (x !== undefined && y !== undefined) ratios.push({ label, value: roundTo(x / y, 3) });
  };
  ratio('cold, no cache: laminar-redis / node-redis', 'cold/laminar-redis', 'cold/node-redis');
  ratio('cold, cache filling: laminar-redis / node-redis', 'cold/laminar-redis-cached', 'cold/node-redis');
  ratio('warm, no cache: laminar-redis / node-redis', 'warm/laminar-redis', 'warm/node-redis');
  ratio('warm cache: laminar-redis / node-redis', 'warm/laminar-redis-cached', 'warm/node-redis');
  ratio('laminar-redis: warm cache / no cache', 'warm/laminar-redis-cached', 'warm/laminar-redis');
  notes.unshift(
    `What is measured is the enrichment stage itself, in a child process per client against one private redis-server: ` +
      `${scale} generated events { event_id, user_id, amount } (one in ${NULL_EVERY} with a NULL user id, about ${Math.round((MISSING / (KEYS + MISSING)) * 100)}% naming a missing key), ` +
      `${KEYS} lookup keys user:<k> holding JSON objects of 4 fields (58–70 bytes), filled before the clients start. ` +
      `Batches of ${BATCH} rows (a job's default read batch), ${INFLIGHT} in flight (as ${INFLIGHT} source channels of a job would be), ` +
      `events generated inside the timed loop for every client. Each output row is a new object with the event's 3 columns and the user's 4.`,
    `laminar-redis runs the query stage a job runs (compileSqlScript → planQueries with a LookupRegistry → stage.apply per batch): ` +
      `join keys, one RedisLookup.lookup() per batch (one MGET of the batch's distinct keys), JSON values decoded into typed columns, ` +
      `the projection. No sink is written and no job runs around it (no source actor, routing or checkpoints), so both sides do the same work. ` +
      `node-redis sends one MGET of the batch's keys (duplicates included, as hand-written code does), JSON.parse per value, and builds the row.`,
    `Two timed passes per process over the same events: "cold" is the first (the cached client starts empty and fills its cache), ` +
      `"warm" the second (the cache holds every key, misses included: 'lookup.cache.negative' = 'true', so a warm batch makes no round trip). ` +
      `Rows are each client's median of ${rounds} round(s) by rows/s; client order rotates per round. ` +
      `"verified": every pass's enriched rows are tallied (rows, matches, sum of tier and score) and compared with the tally computed from the workload's definition.`,
  );
  return {
    suite: 'lookup',
    title: `End to end: lookup join enrichment, ${scale} events against ${KEYS / 1000}k Redis keys (batches of ${BATCH}, ${INFLIGHT} in flight)`,
    rows,
    ratios,
    notes,
  };
}
