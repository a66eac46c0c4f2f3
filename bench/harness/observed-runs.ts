/**
 * The harness-overhead benchmark's observed runs (harness-overhead.ts): `runBenchmark()` in a
 * worker of its own while an observer process watches the same writes — closed loop for the full
 * speed reached with that observer on, then open loops at fractions of it, each compared with
 * what the observer saw.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchReport } from '../../src/harness/bench-report.js';
import type { BenchRedisServer } from '../common/bench-redis.js';
import { type ErrorMessage, forkWorker } from '../common/child-process.js';
import { roundTo } from '../common/figures.js';
import {
  type HarnessMessage,
  type HarnessResult,
  type ObserverKind,
  type ObserverMessage,
  OVERHEAD_KEYS,
  type OverheadType,
  type RunSpec,
  specArg,
} from './harness-workload.js';
import type { OpenLoopResult } from './overhead-summary.js';

export const HARNESS_WORKER = new URL('./harness-worker.js', import.meta.url);
const OBSERVERS: Record<ObserverKind, URL> = {
  relay: new URL('./relay-observer.js', import.meta.url),
  monitor: new URL('./monitor-observer.js', import.meta.url),
  subscriber: new URL('./subscriber-observer.js', import.meta.url),
};

/** What the observed runs take from the benchmark's plan. */
export interface ObservedPlan {
  /** Rows of a closed-loop run. */
  count: number;
  openLoopMs: number;
  openLoopBatch: number;
  openLoopInFlight: number;
  deadlineMs: number;
}

/** The closed-loop rows/s with an observer on, or why there is none. */
export type FullSpeed = { rowsPerSec: number } | { failure: string };

/** Why a report does not count: errors, or fewer rows acknowledged than written. */
export function reportProblem(r: BenchReport, rows: number | null): string | undefined {
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

type ObservedRun =
  | {
      report: BenchReport;
      writer: HarnessResult['writer'];
      observed: Extract<ObserverMessage, { kind: 'result' }> | null;
      failure?: string;
    }
  | { failure: string };

const errorOf = (m: ObserverMessage) => (m.kind === 'error' ? m.message : `unexpected ${m.kind}`);

/** Observed runs against one redis-server, with run ids from `runId`. */
export class ObservedRuns {
  constructor(
    private readonly server: BenchRedisServer,
    private readonly plan: ObservedPlan,
    private readonly runId: (what: string) => string,
  ) {}

  /**
   * One runBenchmark() with `observer` watching: closed loop when `rate` is null (the full speed
   * the observer lets it reach), else an open loop at `rate` compared with what the observer saw.
   */
  async #run(table: OverheadType, kind: ObserverKind, rate: number | null): Promise<ObservedRun> {
    const { server, plan } = this;
    await server.cli('FLUSHALL');
    const spec: RunSpec = {
      url: server.url,
      target: table,
      runId: this.runId(`${table}-${kind}`),
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
      const m = await forkWorker<HarnessMessage>(HARNESS_WORKER, specArg({ ...spec, url }), timeout);
      if (m.kind === 'error') return { failure: m.message };
      const { report, startWallMs, writer } = m as HarnessResult;
      const problem = reportProblem(report, rate === null ? plan.count : null);
      const failure = problem === undefined ? {} : { failure: problem };
      if (rate === null) return { report, writer, observed: null, ...failure };
      observer.child.send({ kind: 'stop', startWallMs, rate });
      const observed = await observer.next();
      if (observed.kind !== 'result')
        return { report, writer, observed: null, failure: `observer: ${errorOf(observed)}` };
      return { report, writer, observed, ...failure };
    } finally {
      observer.child.kill();
      await observer.exited;
    }
  }

  /** The rows/s runBenchmark reaches in closed loop with `kind` watching: what its open loops' rates are fractions of. */
  async fullSpeed(table: OverheadType, kind: ObserverKind): Promise<FullSpeed> {
    const full = await this.#run(table, kind, null);
    if (!('report' in full) || full.failure !== undefined)
      return { failure: `full speed with the observer: ${full.failure}` };
    return { rowsPerSec: Math.round(full.report.rowsPerSec) };
  }

  /** One open loop at `fraction` of `fullSpeed` with `kind` watching. */
  async openLoop(
    table: OverheadType,
    kind: ObserverKind,
    fullSpeed: FullSpeed,
    fraction: number,
    round: number,
  ): Promise<OpenLoopResult> {
    const plan = this.plan;
    const fullSpeedObserved = 'rowsPerSec' in fullSpeed ? fullSpeed.rowsPerSec : 0;
    const rate = Math.round(fullSpeedObserved * fraction);
    const at = {
      table,
      observer: kind,
      round,
      fullSpeedObserved,
      fractionOfFullSpeed: fraction,
      rate,
      durationMs: plan.openLoopMs,
      batchSize: plan.openLoopBatch,
      inFlight: plan.openLoopInFlight,
    };
    const none = { reported: { count: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 }, rowsAcked: 0 };
    if ('failure' in fullSpeed) return { ...at, ...none, failure: fullSpeed.failure };
    const r = await this.#run(table, kind, rate);
    if (!('report' in r)) return { ...at, ...none, failure: r.failure };
    const { count, p50Ms, p90Ms, p99Ms, p999Ms, maxMs } = r.report.latency;
    const observed = r.observed ?? undefined;
    return {
      ...at,
      reported: { count, p50Ms, p90Ms, p99Ms, p999Ms, maxMs },
      rowsAcked: r.report.rowsAcked,
      ...(observed === undefined
        ? {}
        : { observed, p99Difference: roundTo((p99Ms - observed.p99Ms) / p99Ms, 4) }),
      writer: r.writer,
      ...(r.failure === undefined ? {} : { failure: r.failure }),
    };
  }
}
