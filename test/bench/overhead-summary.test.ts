import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Client,
  type FullSpeedRun,
  latencyGoalLine,
  latencySummary,
  type OpenLoopResult,
  throughputGoalLine,
  throughputSummary,
} from '../../bench/harness/overhead-summary.js';

const run = (client: Client, round: number, rowsPerSec: number, cpuMicrosPerRow = 2): FullSpeedRun => ({
  client,
  round,
  rowsPerSec,
  cpuMicrosPerRow,
});

const openLoop = (
  round: number,
  p99Difference: number,
  more: Partial<OpenLoopResult> = {},
): OpenLoopResult => ({
  table: 'pubsub',
  observer: 'relay',
  round,
  fullSpeedObserved: 200_000,
  fractionOfFullSpeed: 0.5,
  rate: 100_000,
  durationMs: 15_000,
  batchSize: 1_000,
  inFlight: 8,
  reported: { count: 1, p50Ms: 1, p90Ms: 1, p99Ms: 1, p999Ms: 1, maxMs: 1 },
  rowsAcked: 1,
  p99Difference,
  ...more,
});

describe('harness-overhead summary — verdicts from rounds', () => {
  it('summary — the throughput ratio is the median of the rounds’ own ratios, not a ratio of medians', () => {
    // Round 1 is slow for both clients (a busy machine): its ratio still counts as one round.
    const runs = [
      run('bare sink', 0, 400_000, 2.0),
      run('runBenchmark', 0, 380_000, 2.1),
      run('bare sink', 1, 200_000, 4.0),
      run('runBenchmark', 1, 210_000, 3.8),
      run('runBenchmark', 2, 420_000, 2.0),
      run('bare sink', 2, 410_000, 2.0),
      run('sink suite', 0, 300_000),
    ];
    const t = throughputSummary('pubsub', 1_000, runs);
    expect(t.pairs.map((p) => p.rowsPerSec)).toEqual([0.95, 1.05, 1.024]);
    expect(t.runBenchmarkOverBareSink).toBe(1.024);
    expect(t.cpuPerRowBareSinkOverRunBenchmark).toBe(1);
    expect(t.goalMet).toBe(true);
    expect(t.medianRowsPerSec).toEqual({ runBenchmark: 380_000, bareSink: 400_000, sinkSuite: 300_000 });
    expect(throughputGoalLine(t)).toContain('median of 3 paired round(s): 1.024× (rounds 0.95–1.05×)');
  });

  it('summary — a failed run drops its round from the pairs', () => {
    const runs = [
      run('bare sink', 0, 400_000),
      { ...run('runBenchmark', 0, 0), failure: 'worker exited' },
      run('bare sink', 1, 400_000),
      run('runBenchmark', 1, 360_000),
    ];
    const t = throughputSummary('string', 1_000_000, runs);
    expect(t.pairs.map((p) => p.round)).toEqual([1]);
    expect(t.runBenchmarkOverBareSink).toBe(0.9);
    expect(t.goalMet).toBe(false);
  });

  it('summary — the p99 verdict is the median of the goal’s rounds only', () => {
    const loops = [
      openLoop(0, 0.18),
      openLoop(1, 0.04),
      openLoop(2, 0.07),
      openLoop(0, 0.4, { fractionOfFullSpeed: 0.1 }),
      openLoop(0, 0.4, { observer: 'subscriber' }),
      openLoop(0, 0.4, { table: 'list' }),
    ];
    const l = latencySummary('pubsub', loops);
    expect(l.differences).toEqual([0.18, 0.04, 0.07]);
    expect(l.p99Difference).toBe(0.07);
    expect(l.goalMet).toBe(true);
    expect(latencyGoalLine(l)).toContain('18.0%, 4.0%, 7.0% in 3 round(s), median 7.0%');
  });

  it('summary — the median leans neither way: shifting every round shifts it by as much', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -500, max: 500 }), { minLength: 1, maxLength: 9 }),
        fc.integer({ min: -100, max: 100 }),
        (diffs, shift) => {
          const at = (xs: number[]) =>
            latencySummary(
              'pubsub',
              xs.map((d, round) => openLoop(round, d / 1000)),
            ).p99Difference!;
          const mirrored = at(diffs.map((d) => -d));
          expect(at(diffs.map((d) => d + shift))).toBeCloseTo(at(diffs) + shift / 1000, 6);
          expect(mirrored).toBeCloseTo(-at(diffs), 6);
        },
      ),
    );
  });
});
