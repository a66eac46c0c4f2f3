/**
 * What `laminar-redis bench` costs, and whether its latency can be trusted. One run, one private
 * redis-server, every client in a child process of its own:
 *
 * (a) Full speed, for the sink suite's string, list and pub/sub tables (1M flat rows, batches of
 *     10,000, 4 in flight), in rounds that rotate three clients:
 *       - `sink suite`: the sink suite's own laminar-redis run (bench/sink, its rows and tables,
 *         verified after the run);
 *       - `bare sink`: the sink suite's loop over exactly the rows and table `runBenchmark()` writes
 *         (bare-sink-worker.ts);
 *       - `runBenchmark`: the harness, closed loop (harness-worker.ts).
 *     Overhead ratio = runBenchmark rows/s / bare sink rows/s (medians; goal ≥ 0.95). The ratio to
 *     the sink suite's run is shown beside it: its rows are larger and its string and list tables
 *     carry a TTL and an LTRIM, so it is not the same work.
 * (b) Latency, per table and observer: runBenchmark() at full speed with the observer attached,
 *     then in open loop at 50% and 10% of that (batches of 1,000, 8 in flight: `--rate`'s
 *     defaults); the p99 the report gives (intended send time → acknowledgement) against the
 *     observer's. Observers: relay-observer.ts for every table (the reply to the row's command
 *     passing through a relay; the goal, within 10% at 50%, is judged on it), and beside it
 *     monitor-observer.ts (MONITOR's timestamp of the row's command) for string and list,
 *     subscriber-observer.ts (the row's message reaching a subscriber) for pub/sub. Each
 *     observer costs the system something, so each rate is a fraction of the speed reached with
 *     that observer on.
 *
 *   node dist/bench/harness/harness-overhead.js [--quick] [--rows N] [--rounds N] [--open-loop-ms N] [--out FILE]
 *
 * after `npm run build`; writes bench/results/harness-overhead.json (`--quick`: 200k rows, one
 * round, 5 s open loops, printed only unless `--out` is given).
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchReport } from '../../src/harness/bench-report.js';
import { type BenchRedisServer, redisServerVersion, startBenchRedisServer } from '../common/bench-redis.js';
import { type ErrorMessage, forkWorker } from '../common/child-process.js';
import { fmt, medianBy, roundTo } from '../common/figures.js';
import { runSinkClient } from '../sink/sink-run.js';
import {
  type BareSinkMessage,
  type HarnessMessage,
  type HarnessResult,
  OBSERVER_OF,
  type ObserverKind,
  type ObserverMessage,
  OVERHEAD_KEYS,
  OVERHEAD_TYPES,
  type OverheadType,
  type RunSpec,
  specArg,
} from './harness-workload.js';

const HARNESS = new URL('./harness-worker.js', import.meta.url);
const BARE = new URL('./bare-sink-worker.js', import.meta.url);
const OBSERVERS: Record<ObserverKind, URL> = {
  relay: new URL('./relay-observer.js', import.meta.url),
  monitor: new URL('./monitor-observer.js', import.meta.url),
  subscriber: new URL('./subscriber-observer.js', import.meta.url),
};
const OBSERVER_NAME: Record<ObserverKind, string> = {
  relay: 'the relay',
  monitor: 'MONITOR',
  subscriber: 'a subscriber',
};
const DEFAULT_OUT = 'bench/results/harness-overhead.json';

const FULL = { count: 1_000_000, rounds: 3, openLoopMs: 15_000, deadlineMs: 120_000 };
const QUICK = { count: 200_000, rounds: 1, openLoopMs: 5_000, deadlineMs: 60_000 };
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
const OPEN_LOOP_FRACTIONS = [0.5, 0.1];
const GOALS = { throughputRatio: 0.95, p99Difference: 0.1 };
const CLIENTS = ['sink suite', 'bare sink', 'runBenchmark'] as const;
type Client = (typeof CLIENTS)[number];

interface FullSpeedRun {
  client: Client;
  round: number;
  rowsPerSec: number;
  cpuMicrosPerRow: number;
  failure?: string;
}

interface OpenLoopResult {
  table: OverheadType;
  observer: ObserverKind;
  /** runBenchmark's closed-loop rows/s with this observer attached: the rates are fractions of it. */
  fullSpeedObserved: number;
  /** 0.5 is the goal's run, 0.1 one far from saturation. */
  fractionOfFullSpeed: number;
  rate: number;
  durationMs: number;
  batchSize: number;
  inFlight: number;
  reported: Pick<BenchReport['latency'], 'count' | 'p50Ms' | 'p90Ms' | 'p99Ms' | 'p999Ms' | 'maxMs'>;
  rowsAcked: number;
  observed?: Extract<ObserverMessage, { kind: 'result' }>;
  /** (reported p99 − observed p99) / reported p99. */
  p99Difference?: number;
  failure?: string;
}

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    rows: { type: 'string' },
    rounds: { type: 'string' },
    'open-loop-ms': { type: 'string' },
    'open-loop-batch': { type: 'string' },
    'open-loop-in-flight': { type: 'string' },
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
const base = args.quick ? QUICK : FULL;
const plan = {
  ...base,
  count: intOption('rows', args.rows, base.count),
  rounds: intOption('rounds', args.rounds, base.rounds),
  openLoopMs: intOption('open-loop-ms', args['open-loop-ms'], base.openLoopMs),
  openLoopBatch: intOption('open-loop-batch', args['open-loop-batch'], OPEN_LOOP_BATCH),
  openLoopInFlight: intOption('open-loop-in-flight', args['open-loop-in-flight'], OPEN_LOOP_INFLIGHT),
};
const out = args.out ?? (args.quick ? undefined : DEFAULT_OUT);
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
      const m = await forkWorker<HarnessMessage>(HARNESS, specArg(spec), plan.deadlineMs);
      if (m.kind === 'error') return run(0, 0, m.message);
      const r = m.report;
      return run(r.rowsPerSec, r.cpuMicrosPerRow, reportProblem(r, plan.count));
    }
  }
}

function reportProblem(r: BenchReport, rows: number | null): string | undefined {
  const errors = Object.entries(r.errors);
  if (errors.length > 0) return `errors: ${errors.map(([c, n]) => `${c} ×${n}`).join(', ')}`;
  if (rows !== null && r.rowsAcked !== rows) return `${r.rowsAcked} of ${rows} rows acknowledged`;
  return undefined;
}

/** Starts an observer and resolves once it is watching. */
function startObserver(kind: ObserverKind, spec: RunSpec) {
  const child = fork(fileURLToPath(OBSERVERS[kind]), specArg(spec), {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
    serialization: 'json',
  });
  const messages: ObserverMessage[] = [];
  let wake: (() => void) | undefined;
  const next = () =>
    new Promise<ObserverMessage>((resolve) => {
      const take = () => {
        const m = messages.shift();
        if (m !== undefined) resolve(m);
        else wake = take;
      };
      take();
    });
  child.on('message', (m) => {
    messages.push(m as ObserverMessage);
    const w = wake;
    wake = undefined;
    w?.();
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.on('exit', (code) => {
    messages.push({ kind: 'error', message: `observer exited (code ${code})` } satisfies ErrorMessage);
    const w = wake;
    wake = undefined;
    w?.();
  });
  return { child, next, exited };
}

/**
 * One runBenchmark() with `observer` watching: closed loop when `rate` is null (the full speed
 * the observer lets it reach), else an open loop at `rate` compared with what the observer saw.
 */
async function observedRun(
  server: BenchRedisServer,
  table: OverheadType,
  kind: ObserverKind,
  rate: number | null,
): Promise<
  | { report: BenchReport; observed: Extract<ObserverMessage, { kind: 'result' }> | null; failure?: string }
  | { failure: string }
> {
  await server.cli('FLUSHALL');
  const spec: RunSpec = {
    url: server.url,
    target: table,
    runId: runId(`${table}-${kind}`),
    keys: OVERHEAD_KEYS[table],
    // The full speed the open loops are fractions of is reached with their own batches, so that
    // 50% is half of what those batches can carry.
    batchSize: plan.openLoopBatch,
    inFlight: plan.openLoopInFlight,
    ...(rate === null ? { rows: plan.count } : { rate, durationMs: plan.openLoopMs }),
    intervalMs: 250,
  };
  const observer = startObserver(kind, spec);
  try {
    const ready = await observer.next();
    if (ready.kind !== 'ready') return { failure: `observer: ${errorOf(ready)}` };
    const url = ready.port === undefined ? spec.url : `redis://127.0.0.1:${ready.port}`;
    const timeout = (rate === null ? 0 : plan.openLoopMs) + plan.deadlineMs;
    const m = await forkWorker<HarnessMessage>(HARNESS, specArg({ ...spec, url }), timeout);
    if (m.kind === 'error') return { failure: m.message };
    const { report, startWallMs } = m as HarnessResult;
    const problem = reportProblem(report, rate === null ? plan.count : null);
    const failure = problem === undefined ? {} : { failure: problem };
    if (rate === null) return { report, observed: null, ...failure };
    observer.child.send({ kind: 'stop', startWallMs, rate });
    const observed = await observer.next();
    if (observed.kind !== 'result')
      return { report, observed: null, failure: `observer: ${errorOf(observed)}` };
    return { report, observed, ...failure };
  } finally {
    observer.child.kill();
    await observer.exited;
  }
}

/** For one table and observer: full speed with the observer attached, then the open loops at fractions of it. */
async function openLoopsWith(
  server: BenchRedisServer,
  table: OverheadType,
  kind: ObserverKind,
): Promise<OpenLoopResult[]> {
  const base = {
    table,
    observer: kind,
    durationMs: plan.openLoopMs,
    batchSize: plan.openLoopBatch,
    inFlight: plan.openLoopInFlight,
  };
  const empty = { count: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
  const full = await observedRun(server, table, kind, null);
  if (!('report' in full) || full.failure !== undefined) {
    const failure = `full speed with the observer: ${full.failure}`;
    return OPEN_LOOP_FRACTIONS.map((f) => ({
      ...base,
      fullSpeedObserved: 0,
      fractionOfFullSpeed: f,
      rate: 0,
      reported: empty,
      rowsAcked: 0,
      failure,
    }));
  }
  const fullSpeedObserved = Math.round(full.report.rowsPerSec);
  const results: OpenLoopResult[] = [];
  for (const fraction of OPEN_LOOP_FRACTIONS) {
    const rate = Math.round(fullSpeedObserved * fraction);
    const at = { ...base, fullSpeedObserved, fractionOfFullSpeed: fraction, rate };
    const r = await observedRun(server, table, kind, rate);
    if (!('report' in r)) {
      results.push({ ...at, reported: empty, rowsAcked: 0, failure: r.failure });
      continue;
    }
    const { count, p50Ms, p90Ms, p99Ms, p999Ms, maxMs } = r.report.latency;
    const observed = r.observed ?? undefined;
    results.push({
      ...at,
      reported: { count, p50Ms, p90Ms, p99Ms, p999Ms, maxMs },
      rowsAcked: r.report.rowsAcked,
      ...(observed === undefined
        ? {}
        : { observed, p99Difference: roundTo((p99Ms - observed.p99Ms) / p99Ms, 4) }),
      ...(r.failure === undefined ? {} : { failure: r.failure }),
    });
  }
  return results;
}

const errorOf = (m: ObserverMessage) => (m.kind === 'error' ? m.message : `unexpected ${m.kind}`);

async function main(): Promise<void> {
  const server = await startBenchRedisServer();
  const startedAt = new Date().toISOString();
  const load0 = loadavg()[0];
  console.log(
    `redis-server on ${server.url}; ${plan.count} rows per run, ${plan.rounds} round(s), batches of ${BATCH}, ${INFLIGHT} in flight`,
  );
  const fullSpeedRuns: Record<OverheadType, FullSpeedRun[]> = { string: [], list: [], pubsub: [] };
  const openLoops: OpenLoopResult[] = [];
  try {
    for (let round = 0; round < plan.rounds; round++) {
      for (const table of OVERHEAD_TYPES) {
        for (let c = 0; c < CLIENTS.length; c++) {
          const client = CLIENTS[(c + round) % CLIENTS.length];
          const r = await fullSpeed(server, table, client, round);
          fullSpeedRuns[table].push(r);
          console.log(
            `  round ${round + 1} ${table} ${client}: ${fmt(r.rowsPerSec)} rows/s, ${r.cpuMicrosPerRow} µs CPU/row` +
              (r.failure === undefined ? '' : `  !!! ${r.failure}`),
          );
        }
      }
    }
    for (const table of OVERHEAD_TYPES) {
      for (const kind of ['relay', OBSERVER_OF[table]] as const) {
        for (const r of await openLoopsWith(server, table, kind)) {
          openLoops.push(r);
          console.log(
            `  open loop ${table}, ${kind}, at ${r.fractionOfFullSpeed * 100}% of ${fmt(r.fullSpeedObserved)} = ${fmt(r.rate)} rows/s: ` +
              `reported p99 ${r.reported.p99Ms.toFixed(2)} ms, observed p99 ${r.observed?.p99Ms.toFixed(2) ?? '—'} ms` +
              (r.failure === undefined ? '' : `  !!! ${r.failure}`),
          );
        }
      }
    }
  } finally {
    await server.stop();
  }

  const tables = OVERHEAD_TYPES.map((table) => {
    const runs = fullSpeedRuns[table];
    const median = (client: Client) => {
      const ok = runs.filter((r) => r.client === client && r.failure === undefined);
      return ok.length === 0 ? undefined : medianBy(ok, (r) => r.rowsPerSec);
    };
    const harness = median('runBenchmark');
    const bare = median('bare sink');
    const suite = median('sink suite');
    const ratio = harness && bare ? roundTo(harness.rowsPerSec / bare.rowsPerSec, 3) : null;
    return {
      table,
      keys: OVERHEAD_KEYS[table],
      medianRowsPerSec: {
        runBenchmark: harness?.rowsPerSec ?? null,
        bareSink: bare?.rowsPerSec ?? null,
        sinkSuite: suite?.rowsPerSec ?? null,
      },
      runBenchmarkOverBareSink: ratio,
      runBenchmarkOverSinkSuite: harness && suite ? roundTo(harness.rowsPerSec / suite.rowsPerSec, 3) : null,
      goalMet: ratio !== null && ratio >= GOALS.throughputRatio,
      runs,
    };
  });
  const goals = [
    ...tables.map(
      (t) =>
        `${t.table}: runBenchmark at ${t.runBenchmarkOverBareSink ?? '—'}× the bare sink loop on the same rows ` +
        `(${t.runBenchmarkOverSinkSuite ?? '—'}× the sink suite's own run) — goal ≥ ${GOALS.throughputRatio}× ` +
        `${t.goalMet ? 'met' : 'NOT met'}`,
    ),
    ...openLoops.map((o) => {
      const at = `${o.table} open loop at ${o.fractionOfFullSpeed * 100}% of full speed with ${OBSERVER_NAME[o.observer]} attached (${fmt(o.rate)} rows/s)`;
      if (o.p99Difference === undefined) return `${at}: no comparison (${o.failure ?? 'no observation'})`;
      const verdict =
        o.fractionOfFullSpeed === 0.5 && o.observer === 'relay'
          ? ` — goal within ${GOALS.p99Difference * 100}% ${Math.abs(o.p99Difference) <= GOALS.p99Difference ? 'met' : 'NOT met'}`
          : ' (no goal on this run)';
      return (
        `${at}: reported p99 ${o.reported.p99Ms.toFixed(2)} ms, ` +
        `${OBSERVER_NAME[o.observer]} p99 ${o.observed!.p99Ms.toFixed(2)} ms, ` +
        `${(o.p99Difference * 100).toFixed(1)}% apart${verdict}`
      );
    }),
  ];
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
    plan: {
      ...plan,
      batchSize: BATCH,
      inFlight: INFLIGHT,
      goals: GOALS,
    },
    fullSpeed: tables,
    openLoop: openLoops,
    goals,
  };
  for (const g of goals) console.log(g);
  if (out !== undefined) {
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${out}`);
  }
  const failed = [...tables.flatMap((t) => t.runs), ...openLoops].some((r) => r.failure !== undefined);
  process.exitCode = failed ? 1 : 0;
}

await main();
