/**
 * The harness-overhead benchmark's verdicts, as pure functions of its runs (harness-overhead.ts
 * makes the runs). Both goals are judged on medians of rounds, not on one run: on two shared
 * cores one round of either measurement moves by more than the margin it is judged against.
 *
 * - Throughput: each round runs the bare sink loop and runBenchmark back to back (their order
 *   alternating), and the round's ratio is runBenchmark / bare sink; the verdict is the median of
 *   the rounds' ratios, with the CPU each spent per row beside it (bare sink / runBenchmark, so
 *   that above 1 the harness costs less).
 * - Latency: the goal's run (the relay, 50% of full speed) is made in rounds at one rate; the
 *   verdict is the median of the rounds' p99 differences.
 */
import type { BenchReport } from '../../src/harness/bench-report.js';
import { fmt, roundTo } from '../common/figures.js';
import type { ObserverKind, ObserverMessage, OverheadType, WriterStalls } from './harness-workload.js';

export const GOALS = { throughputRatio: 0.95, p99Difference: 0.1 };
/** The open loop the latency goal is judged on. */
export const GOAL_FRACTION = 0.5;
export const GOAL_OBSERVER: ObserverKind = 'relay';

export const CLIENTS = ['sink suite', 'bare sink', 'runBenchmark'] as const;
export type Client = (typeof CLIENTS)[number];

export interface FullSpeedRun {
  client: Client;
  round: number;
  rowsPerSec: number;
  cpuMicrosPerRow: number;
  failure?: string;
}

export interface OpenLoopResult {
  table: OverheadType;
  observer: ObserverKind;
  /** Rounds of the goal's run are numbered from 0; every other run has one round. */
  round: number;
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
  /** The writing process's event-loop delay and GC pauses over the run. */
  writer?: WriterStalls;
  failure?: string;
}

const OBSERVER_NAME: Record<ObserverKind, string> = {
  relay: 'the relay',
  monitor: 'MONITOR',
  subscriber: 'a subscriber',
};

/** The median of numbers; for an even count the mean of the middle two, so it leans neither way. */
function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : roundTo((sorted[mid - 1] + sorted[mid]) / 2, 4);
}

const ok = <T extends { failure?: string }>(r: T | undefined): r is T =>
  r !== undefined && r.failure === undefined;

/** One table's full-speed runs: medians per client and the paired rounds' ratios. */
export function throughputSummary(table: OverheadType, keys: number, runs: FullSpeedRun[]) {
  const medianOf = (client: Client) => {
    const mine = runs.filter((r) => r.client === client && ok(r));
    return mine.length === 0 ? null : median(mine.map((r) => r.rowsPerSec));
  };
  const rounds = [...new Set(runs.map((r) => r.round))].sort((a, b) => a - b);
  const pairs = rounds.flatMap((round) => {
    const harness = runs.find((r) => r.round === round && r.client === 'runBenchmark');
    const bare = runs.find((r) => r.round === round && r.client === 'bare sink');
    if (!ok(harness) || !ok(bare)) return [];
    return [
      {
        round,
        rowsPerSec: roundTo(harness.rowsPerSec / bare.rowsPerSec, 3),
        cpuPerRow: roundTo(bare.cpuMicrosPerRow / harness.cpuMicrosPerRow, 3),
      },
    ];
  });
  const harness = medianOf('runBenchmark');
  const suite = medianOf('sink suite');
  const ratio = pairs.length === 0 ? null : median(pairs.map((p) => p.rowsPerSec));
  return {
    table,
    keys,
    medianRowsPerSec: { runBenchmark: harness, bareSink: medianOf('bare sink'), sinkSuite: suite },
    /** The goal's figure: the median over rounds of runBenchmark / bare sink, rows/s. */
    runBenchmarkOverBareSink: ratio,
    /** The same rounds' CPU per row, bare sink / runBenchmark (above 1: the harness spent less). */
    cpuPerRowBareSinkOverRunBenchmark: pairs.length === 0 ? null : median(pairs.map((p) => p.cpuPerRow)),
    pairs,
    runBenchmarkOverSinkSuite: harness !== null && suite !== null ? roundTo(harness / suite, 3) : null,
    goalMet: ratio !== null && ratio >= GOALS.throughputRatio,
    runs,
  };
}
export type ThroughputSummary = ReturnType<typeof throughputSummary>;

export function throughputGoalLine(t: ThroughputSummary): string {
  const spread =
    t.pairs.length > 1
      ? ` (rounds ${Math.min(...t.pairs.map((p) => p.rowsPerSec))}–${Math.max(...t.pairs.map((p) => p.rowsPerSec))}×)`
      : '';
  return (
    `${t.table}: runBenchmark / bare sink loop on the same rows, median of ${t.pairs.length} paired round(s): ` +
    `${t.runBenchmarkOverBareSink ?? '—'}×${spread}; CPU per row bare / runBenchmark ` +
    `${t.cpuPerRowBareSinkOverRunBenchmark ?? '—'}×; ${t.runBenchmarkOverSinkSuite ?? '—'}× the sink suite's own run` +
    ` — goal ≥ ${GOALS.throughputRatio}× ${t.goalMet ? 'met' : 'NOT met'}`
  );
}

/** The goal's rounds of one table: each round's p99 difference and their median. */
export function latencySummary(table: OverheadType, openLoops: OpenLoopResult[]) {
  const rounds = openLoops.filter(
    (o) => o.table === table && o.observer === GOAL_OBSERVER && o.fractionOfFullSpeed === GOAL_FRACTION,
  );
  const differences = rounds.flatMap((o) => (o.p99Difference === undefined ? [] : [o.p99Difference]));
  const difference = differences.length === 0 ? null : median(differences);
  return {
    table,
    rate: rounds[0]?.rate ?? null,
    /** Each round's (reported p99 − the relay's p99) / reported p99. */
    differences,
    /** The goal's figure: the median of the rounds' differences. */
    p99Difference: difference,
    goalMet: difference !== null && Math.abs(difference) <= GOALS.p99Difference,
  };
}
export type LatencySummary = ReturnType<typeof latencySummary>;

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

export function latencyGoalLine(l: LatencySummary): string {
  const at = `${l.table} open loop at ${GOAL_FRACTION * 100}% of full speed with the relay attached (${fmt(l.rate ?? 0)} rows/s)`;
  if (l.p99Difference === null) return `${at}: no comparison`;
  return (
    `${at}: p99 apart by ${l.differences.map(percent).join(', ')} in ${l.differences.length} round(s), ` +
    `median ${percent(l.p99Difference)} — goal within ${GOALS.p99Difference * 100}% ${l.goalMet ? 'met' : 'NOT met'}`
  );
}

/** One open loop as a line: both p99s, how far apart, and the writer's own stalls. */
export function openLoopLine(o: OpenLoopResult): string {
  const round =
    o.observer === GOAL_OBSERVER && o.fractionOfFullSpeed === GOAL_FRACTION ? ` round ${o.round + 1}` : '';
  const head = `  open loop ${o.table}, ${o.observer}${round}, at ${o.fractionOfFullSpeed * 100}% of ${fmt(o.fullSpeedObserved)} = ${fmt(o.rate)} rows/s: `;
  const w = o.writer;
  const writer =
    w === undefined
      ? ''
      : `; writer CPU ${Math.round(w.cpuShare * 100)}%, loop delay p99 ${w.loopDelayP99Ms} / max ${w.loopDelayMaxMs} ms, GC ${w.gcPauseMs} ms (longest ${w.gcLongestPauseMs})`;
  return (
    head +
    `reported p99 ${o.reported.p99Ms.toFixed(2)} ms, ${OBSERVER_NAME[o.observer]} p99 ${o.observed?.p99Ms.toFixed(2) ?? '—'} ms` +
    (o.p99Difference === undefined ? '' : `, ${percent(o.p99Difference)} apart`) +
    writer +
    (o.failure === undefined ? '' : `  !!! ${o.failure}`)
  );
}
