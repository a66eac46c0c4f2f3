/**
 * Latency of every row from its start (intended send time in open loop, hand-over in closed loop)
 * to the acknowledgement of the batch it was in, in two HDR histograms (hdr-histogram-js): one for
 * the run, one for the current interval. Values are microseconds; one call per batch in closed
 * loop (every row of a batch shares its start), one per row in open loop (their starts differ).
 */
import { build, type Histogram } from 'hdr-histogram-js';
import type { BenchInterval, BenchLatency } from './bench-report.js';

const newHistogram = (): Histogram =>
  build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });

export class LatencyRecorder {
  readonly #total = newHistogram();
  readonly #interval = newHistogram();
  #intervalRows = 0;
  #intervalStart: number;
  #rowsAcked = 0;
  readonly intervals: BenchInterval[] = [];

  constructor(readonly startedAt: number) {
    this.#intervalStart = startedAt;
  }

  get rowsAcked(): number {
    return this.#rowsAcked;
  }

  /** `count` rows that all started at `start` were acknowledged at `ackAt` (ms, performance.now()). */
  recordSame(start: number, ackAt: number, count: number): void {
    const us = micros(ackAt - start);
    this.#total.recordValueWithCount(us, count);
    this.#interval.recordValueWithCount(us, count);
    this.#rowsAcked += count;
    this.#intervalRows += count;
  }

  /**
   * `count` rows due at `firstDue`, `firstDue + step`, ... (open loop) were acknowledged at
   * `ackAt`.
   */
  recordSpaced(firstDue: number, step: number, ackAt: number, count: number): void {
    const total = this.#total;
    const interval = this.#interval;
    for (let j = 0; j < count; j++) {
      const us = micros(ackAt - (firstDue + j * step));
      total.recordValue(us);
      interval.recordValue(us);
    }
    this.#rowsAcked += count;
    this.#intervalRows += count;
  }

  /** Closes the current interval at `now` and starts the next; returns the closed one. */
  closeInterval(now: number): BenchInterval {
    const secs = (now - this.#intervalStart) / 1000;
    const h = this.#interval;
    const entry: BenchInterval = {
      atMs: Math.round(now - this.startedAt),
      rowsPerSec: secs > 0 ? Math.round(this.#intervalRows / secs) : 0,
      p50Ms: h.totalCount === 0 ? 0 : ms(Math.min(h.getValueAtPercentile(50), h.maxValue)),
      p99Ms: h.totalCount === 0 ? 0 : ms(Math.min(h.getValueAtPercentile(99), h.maxValue)),
    };
    this.intervals.push(entry);
    h.reset();
    this.#intervalRows = 0;
    this.#intervalStart = now;
    return entry;
  }

  /** The run's percentiles. */
  summary(): BenchLatency {
    const h = this.#total;
    if (h.totalCount === 0) return { count: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0, meanMs: 0 };
    // A percentile is the top of its bucket (3 significant digits); the max is exact. Capped so
    // that no percentile reads above the max.
    const max = h.maxValue;
    const at = (p: number) => ms(Math.min(h.getValueAtPercentile(p), max));
    return {
      count: h.totalCount,
      p50Ms: at(50),
      p90Ms: at(90),
      p99Ms: at(99),
      p999Ms: at(99.9),
      maxMs: ms(max),
      meanMs: ms(h.mean),
    };
  }
}

/** A latency in ms as a whole number of µs, at least 1 (the histogram's lowest value). */
const micros = (deltaMs: number): number => (deltaMs < 0.001 ? 1 : Math.round(deltaMs * 1000));
/** µs to ms, rounded to the µs. */
const ms = (us: number): number => Math.round(us) / 1000;
