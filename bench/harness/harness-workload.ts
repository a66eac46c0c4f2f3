/**
 * What travels between the harness-overhead benchmark (harness-overhead.ts) and its child
 * processes: the run each child is asked for (one JSON argument) and the message it sends back.
 * Loads no client library.
 */
import type { BenchReport } from '../../src/harness/bench-report.js';
import type { ErrorMessage } from '../common/child-process.js';
import type { ProcessFigures } from '../common/measure.js';

/** The table types of the comparison: the sink suite's string, list and pub/sub tables. */
export const OVERHEAD_TYPES = ['string', 'list', 'pubsub'] as const;
export type OverheadType = (typeof OVERHEAD_TYPES)[number];

/** Key counts of the sink suite's flat tables: strings keyed by the unique id, lists and channels by 1,000 users. */
export const OVERHEAD_KEYS: Record<OverheadType, number> = { string: 1_000_000, list: 1_000, pubsub: 1_000 };

/** One `runBenchmark()` (harness-worker.ts) or one bare sink loop (bare-sink-worker.ts). */
export interface RunSpec {
  url: string;
  target: OverheadType;
  runId: string;
  keys: number;
  batchSize: number;
  inFlight: number;
  /** Closed loop: rows to write. */
  rows?: number;
  /** Open loop: rows per second for `durationMs`. */
  rate?: number;
  durationMs?: number;
  intervalMs?: number;
}

export interface HarnessResult {
  kind: 'result';
  report: BenchReport;
  /**
   * Wall-clock time (ms since the epoch, sub-millisecond) of the run's start, the origin of every
   * row's intended send time: the median over the intervals of (now − interval.atMs).
   */
  startWallMs: number;
  /** The writing process's own stalls while it wrote (from the end of the first interval to the end of the last). */
  writer: WriterStalls;
}

/**
 * Where the writing process was busy or paused: the time a reply waits there before its batch is
 * acknowledged, which the harness reports as latency and a witness outside the process does not.
 */
export interface WriterStalls {
  /** Event-loop delay beyond the timer's period (perf_hooks.monitorEventLoopDelay), ms. */
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Garbage-collection pauses, total and longest, ms. */
  gcPauseMs: number;
  gcLongestPauseMs: number;
  /**
   * The writer's CPU time over the load's wall time (1: one core busy throughout). Well below 1 at
   * 50% of full speed, or the writer, not Redis, is what the rows wait for.
   */
  cpuShare: number;
}
export type HarnessMessage = HarnessResult | ErrorMessage;

export interface BareSinkResult extends ProcessFigures {
  kind: 'result';
  rows: number;
  rowsAcked: number;
}
export type BareSinkMessage = BareSinkResult | ErrorMessage;

/** Parent → observer, once the run is over: how to turn a row id into its intended send time. */
export interface ObserverStop {
  kind: 'stop';
  startWallMs: number;
  rate: number;
}

/** Observer → parent. */
export type ObserverMessage =
  /** The observer is watching; the relay gives the port runs connect to instead of Redis's. */
  | { kind: 'ready'; port?: number }
  | {
      kind: 'result';
      /** Rows seen (every SAMPLE_EVERY-th row id) and the commands that carried the run's keys. */
      sampled: number;
      commands: number;
      /** Latency from intended send time to the row being seen (executed, delivered or answered), ms. */
      p50Ms: number;
      p90Ms: number;
      p99Ms: number;
      p999Ms: number;
      maxMs: number;
      /** Bytes read: MONITOR output, messages, or the relay's requests. */
      bytes: number;
    }
  | ErrorMessage;

/** The observer keeps every row whose id is a multiple of this. */
export const SAMPLE_EVERY = 10;

/**
 * The independent witnesses of an open-loop run: the relay (relay-observer.ts) for every table,
 * whose figure the goal is judged on, and the table's in-Redis witness beside it — MONITOR where
 * Redis keeps the rows, a subscriber for pub/sub.
 */
export type ObserverKind = 'relay' | 'monitor' | 'subscriber';
export const OBSERVER_OF: Record<OverheadType, 'monitor' | 'subscriber'> = {
  string: 'monitor',
  list: 'monitor',
  pubsub: 'subscriber',
};

/** The run's one JSON argument. */
export const specArg = (spec: RunSpec): string[] => [JSON.stringify(spec)];
export const readSpec = (): RunSpec => JSON.parse(process.argv[2] ?? '{}') as RunSpec;
