/**
 * What `laminar-redis bench` costs, and whether its latency can be trusted. One run, one private
 * redis-server, every client in a child process of its own:
 *
 * (a) Full speed, for the sink suite's string, list and pub/sub tables (1M flat rows, batches of
 *     10,000, 4 in flight), in rounds of three clients:
 *       - `sink suite`: the sink suite's own laminar-redis run (bench/sink, its rows and tables,
 *         verified after the run);
 *       - `bare sink`: the sink suite's loop over exactly the rows and table `runBenchmark()` writes
 *         (bare-sink-worker.ts);
 *       - `runBenchmark`: the harness, closed loop (harness-worker.ts).
 *     The bare sink and runBenchmark run back to back in every round, their order alternating;
 *     overhead ratio = the median over rounds of runBenchmark / bare sink rows/s (goal ≥ 0.95),
 *     with the CPU per row of the same pairs beside it (overhead-summary.ts). The ratio to the
 *     sink suite's run is shown too: its rows are larger and its string and list tables carry a
 *     TTL and an LTRIM, so it is not the same work.
 * (b) Latency, per table and observer: runBenchmark() at full speed with the observer attached,
 *     then in open loop at 50% and 10% of that (batches of 1,000, 8 in flight: `--rate`'s
 *     defaults); the p99 the report gives (intended send time → acknowledgement) against the
 *     observer's. Observers: relay-observer.ts for every table (the reply to the row's command
 *     passing through a relay; the goal, within 10% at 50%, is judged on it), and beside it
 *     monitor-observer.ts (MONITOR's timestamp of the row's command) for string and list,
 *     subscriber-observer.ts (the row's message reaching a subscriber) for pub/sub. Each
 *     observer costs the system something, so each rate is a fraction of the speed reached with
 *     that observer on. The goal's run (the relay at 50%) is made in rounds at one rate, the
 *     tables taking turns, and judged on the median of the rounds' differences; every open loop
 *     also gives the writing process's share of a core, event-loop delay and GC pauses.
 *
 *   node dist/bench/harness/harness-overhead.js [--quick] [--rows N] [--rounds N] [--open-loop-ms N]
 *     [--open-loop-rounds N] [--tables string,list,pubsub] [--only throughput|latency] [--relay-only]
 *     [--out FILE]
 *
 * after `npm run build`; writes bench/results/harness-overhead.json (`--quick`: 200k rows, one
 * round, 5 s open loops, printed only unless `--out` is given; so is a run of some tables or one
 * half).
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type BenchRedisServer, redisServerVersion, startBenchRedisServer } from '../common/bench-redis.js';
import { forkWorker } from '../common/child-process.js';
import { fmt, roundTo } from '../common/figures.js';
import { runSinkClient } from '../sink/sink-run.js';
import {
  type BareSinkMessage,
  type HarnessMessage,
  OBSERVER_OF,
  type ObserverKind,
  OVERHEAD_KEYS,
  OVERHEAD_TYPES,
  type OverheadType,
  type RunSpec,
  specArg,
} from './harness-workload.js';
import { type FullSpeed, HARNESS_WORKER, ObservedRuns, reportProblem } from './observed-runs.js';
import {
  type Client,
  type FullSpeedRun,
  GOAL_FRACTION,
  GOAL_OBSERVER,
  GOALS,
  latencyGoalLine,
  latencySummary,
  type OpenLoopResult,
  openLoopLine,
  throughputGoalLine,
  throughputSummary,
} from './overhead-summary.js';

const BARE = new URL('./bare-sink-worker.js', import.meta.url);
const DEFAULT_OUT = 'bench/results/harness-overhead.json';

const FULL = { count: 1_000_000, rounds: 5, openLoopMs: 15_000, openLoopRounds: 3, deadlineMs: 120_000 };
const QUICK = { count: 200_000, rounds: 1, openLoopMs: 5_000, openLoopRounds: 1, deadlineMs: 60_000 };
/** The sink suite's window. */
const BATCH = 10_000;
const INFLIGHT = 4;
/**
 * Open loop: `laminar-redis bench --rate`'s own defaults. Smaller batches also keep short the time
 * Redis takes to execute one batch, which MONITOR sees row by row but the harness only at its end.
 */
const OPEN_LOOP_BATCH = 1_000;
const OPEN_LOOP_INFLIGHT = 8;
/** Open-loop rates as fractions of the full speed: the goal's 50%, and 10% for a Redis far from saturation. */
const OPEN_LOOP_FRACTIONS = [GOAL_FRACTION, 0.1];
/**
 * A round's order of clients: the two the goal compares run back to back, in turns first, so
 * that neither always meets what the run before it left behind (a warm Redis, a busy core).
 */
const roundOrder = (round: number): readonly Client[] =>
  round % 2 === 0 ? ['sink suite', 'bare sink', 'runBenchmark'] : ['runBenchmark', 'bare sink', 'sink suite'];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    rows: { type: 'string' },
    rounds: { type: 'string' },
    'open-loop-ms': { type: 'string' },
    'open-loop-rounds': { type: 'string' },
    'open-loop-batch': { type: 'string' },
    'open-loop-in-flight': { type: 'string' },
    tables: { type: 'string' },
    only: { type: 'string' },
    'relay-only': { type: 'boolean', default: false },
  },
});
/** A positive integer option, or the default when it is absent. */
function intOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(`--${name} must be a positive integer (got ${value})`);
  return n;
}
/** `--tables list,pubsub`: the tables to run, every one by default. */
function tablesOption(value: string | undefined): readonly OverheadType[] {
  if (value === undefined) return OVERHEAD_TYPES;
  const names = value.split(',');
  for (const n of names) {
    if (!(OVERHEAD_TYPES as readonly string[]).includes(n))
      throw new Error(`--tables takes ${OVERHEAD_TYPES.join(', ')} (got ${n})`);
  }
  return OVERHEAD_TYPES.filter((t) => names.includes(t));
}
/** `--only throughput` or `--only latency`: one half of the run. */
function onlyOption(value: string | undefined): { throughput: boolean; latency: boolean } {
  if (value === undefined) return { throughput: true, latency: true };
  if (value !== 'throughput' && value !== 'latency')
    throw new Error(`--only takes throughput or latency (got ${value})`);
  return { throughput: value === 'throughput', latency: value === 'latency' };
}
const base = args.quick ? QUICK : FULL;
const plan = {
  ...base,
  count: intOption('rows', args.rows, base.count),
  rounds: intOption('rounds', args.rounds, base.rounds),
  openLoopMs: intOption('open-loop-ms', args['open-loop-ms'], base.openLoopMs),
  openLoopRounds: intOption('open-loop-rounds', args['open-loop-rounds'], base.openLoopRounds),
  openLoopBatch: intOption('open-loop-batch', args['open-loop-batch'], OPEN_LOOP_BATCH),
  openLoopInFlight: intOption('open-loop-in-flight', args['open-loop-in-flight'], OPEN_LOOP_INFLIGHT),
  tables: tablesOption(args.tables),
  parts: onlyOption(args.only),
  relayOnly: args['relay-only'],
};
// A run of some tables or one half does not replace the full run's results unless --out says so.
const partial = args.tables !== undefined || args.only !== undefined || plan.relayOnly;
const out = args.out ?? (args.quick || partial ? undefined : DEFAULT_OUT);
let runCounter = 0;
const runId = (what: string) => `ho-${process.pid.toString(36)}-${what}-${runCounter++}`;

async function fullSpeed(server: BenchRedisServer, table: OverheadType, client: Client, round: number) {
  const spec: RunSpec = {
    url: server.url,
    target: table,
    runId: runId(table),
    keys: OVERHEAD_KEYS[table],
    batchSize: BATCH,
    inFlight: INFLIGHT,
    rows: plan.count,
  };
  await server.cli('FLUSHALL');
  const run = (rowsPerSec: number, cpuMicrosPerRow: number, failure?: string): FullSpeedRun => ({
    client,
    round,
    rowsPerSec: Math.round(rowsPerSec),
    cpuMicrosPerRow: roundTo(cpuMicrosPerRow, 2),
    ...(failure === undefined ? {} : { failure }),
  });
  switch (client) {
    case 'sink suite': {
      const r = await runSinkClient(server, {
        client: 'laminar-redis',
        type: table,
        shape: 'flat',
        port: server.port,
        count: plan.count,
        batch: BATCH,
        inflight: INFLIGHT,
        deadlineMs: plan.deadlineMs,
      });
      return run(r.rowsPerSec, (r.cpuSeconds / plan.count) * 1e6, r.failure);
    }
    case 'bare sink': {
      const m = await forkWorker<BareSinkMessage>(BARE, specArg(spec), plan.deadlineMs);
      if (m.kind === 'error') return run(0, 0, m.message);
      const failure =
        m.rowsAcked === plan.count ? undefined : `${m.rowsAcked} of ${plan.count} rows acknowledged`;
      return run(m.rows / m.seconds, (m.cpuSeconds / plan.count) * 1e6, failure);
    }
    case 'runBenchmark': {
      const m = await forkWorker<HarnessMessage>(HARNESS_WORKER, specArg(spec), plan.deadlineMs);
      if (m.kind === 'error') return run(0, 0, m.message);
      const r = m.report;
      return run(r.rowsPerSec, r.cpuMicrosPerRow, reportProblem(r, plan.count));
    }
  }
}

/** Every full-speed round, the order of clients turning (see roundOrder). */
async function throughputRounds(server: BenchRedisServer): Promise<Record<OverheadType, FullSpeedRun[]>> {
  const runs: Record<OverheadType, FullSpeedRun[]> = { string: [], list: [], pubsub: [] };
  for (let round = 0; round < plan.rounds; round++) {
    for (const table of plan.tables) {
      for (const client of roundOrder(round)) {
        const r = await fullSpeed(server, table, client, round);
        runs[table].push(r);
        console.log(
          `  round ${round + 1} ${table} ${client}: ${fmt(r.rowsPerSec)} rows/s, ${r.cpuMicrosPerRow} µs CPU/row` +
            (r.failure === undefined ? '' : `  !!! ${r.failure}`),
        );
      }
    }
  }
  return runs;
}

/**
 * The open loops: each table's full speed with each observer first, then the goal's rounds (the
 * relay at 50%, the tables taking turns, so a disturbance of the machine meets one round of
 * each rather than every round of one), then the other fractions and observers once.
 */
async function latencyRuns(server: BenchRedisServer): Promise<OpenLoopResult[]> {
  const kinds = (table: OverheadType): ObserverKind[] =>
    plan.relayOnly ? [GOAL_OBSERVER] : [GOAL_OBSERVER, OBSERVER_OF[table]];
  const observed = new ObservedRuns(server, plan, runId);
  const fullSpeeds = new Map<string, FullSpeed>();
  for (const table of plan.tables) {
    for (const kind of kinds(table))
      fullSpeeds.set(`${table}/${kind}`, await observed.fullSpeed(table, kind));
  }
  const results: OpenLoopResult[] = [];
  const run = async (table: OverheadType, kind: ObserverKind, fraction: number, round: number) => {
    const r = await observed.openLoop(table, kind, fullSpeeds.get(`${table}/${kind}`)!, fraction, round);
    results.push(r);
    console.log(openLoopLine(r));
  };
  for (let round = 0; round < plan.openLoopRounds; round++) {
    for (const table of plan.tables) await run(table, GOAL_OBSERVER, GOAL_FRACTION, round);
  }
  for (const table of plan.tables) {
    for (const kind of kinds(table)) {
      for (const fraction of OPEN_LOOP_FRACTIONS) {
        if (kind !== GOAL_OBSERVER || fraction !== GOAL_FRACTION) await run(table, kind, fraction, 0);
      }
    }
  }
  return results;
}

async function main(): Promise<void> {
  const server = await startBenchRedisServer();
  const startedAt = new Date().toISOString();
  const load0 = loadavg()[0];
  console.log(
    `redis-server on ${server.url}; ${plan.count} rows per run, ${plan.rounds} round(s), batches of ${BATCH}, ${INFLIGHT} in flight; ` +
      `open loops of ${plan.openLoopMs} ms, the goal's in ${plan.openLoopRounds} round(s)`,
  );
  let fullSpeedRuns: Record<OverheadType, FullSpeedRun[]> = { string: [], list: [], pubsub: [] };
  let openLoops: OpenLoopResult[] = [];
  try {
    if (plan.parts.throughput) fullSpeedRuns = await throughputRounds(server);
    if (plan.parts.latency) openLoops = await latencyRuns(server);
  } finally {
    await server.stop();
  }

  const throughput = plan.parts.throughput
    ? plan.tables.map((t) => throughputSummary(t, OVERHEAD_KEYS[t], fullSpeedRuns[t]))
    : [];
  const latency = plan.parts.latency ? plan.tables.map((t) => latencySummary(t, openLoops)) : [];
  const goals = [...throughput.map(throughputGoalLine), ...latency.map(latencyGoalLine)];
  const result = {
    suite: 'harness-overhead',
    startedAt,
    machine: {
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      redisServer: await redisServerVersion(),
      loadAverageAtStart: roundTo(load0, 2),
      loadAverageAtEnd: roundTo(loadavg()[0], 2),
    },
    plan: { ...plan, batchSize: BATCH, inFlight: INFLIGHT, goals: GOALS },
    goals,
    fullSpeed: throughput,
    latency,
    openLoop: openLoops,
  };
  for (const g of goals) console.log(g);
  if (out !== undefined) {
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${out}`);
  }
  const failed = [...throughput.flatMap((t) => t.runs), ...openLoops].some((r) => r.failure !== undefined);
  process.exitCode = failed ? 1 : 0;
}

await main();
