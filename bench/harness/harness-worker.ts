/**
 * Child process: one `runBenchmark()` against the benchmark's private redis-server, in a process
 * of its own like every client of the sink suite, then its report over IPC. Also estimates the
 * wall-clock start of the run, so an observer elsewhere can compute each row's intended send time.
 *
 *   parent ──fork──▶ harness-worker '{"url":…,"target":"list",…}'
 *   parent ◀─IPC──── { report, startWallMs }
 */
import { performance } from 'node:perf_hooks';
import { runBenchmark } from '../../src/harness/run-benchmark.js';
import { reportToParent } from '../common/child-process.js';
import { type HarnessMessage, readSpec } from './harness-workload.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await reportToParent<HarnessMessage>('harness-worker', async () => {
  const spec = readSpec();
  // atMs is rounded to whole ms and read right after the interval closes; the median over many
  // intervals of (wall clock now − atMs) puts the run's start within a fraction of a millisecond.
  const starts: number[] = [];
  const report = await runBenchmark({
    redis: { url: spec.url },
    target: spec.target,
    runId: spec.runId,
    keys: spec.keys,
    batchSize: spec.batchSize,
    inFlight: spec.inFlight,
    ...(spec.rows === undefined ? {} : { rows: spec.rows }),
    ...(spec.rate === undefined ? {} : { rate: spec.rate }),
    ...(spec.durationMs === undefined ? {} : { durationMs: spec.durationMs }),
    ...(spec.intervalMs === undefined ? {} : { intervalMs: spec.intervalMs }),
    onInterval: (p) => starts.push(performance.timeOrigin + performance.now() - p.atMs),
  });
  return { kind: 'result', report, startWallMs: starts.length > 0 ? median(starts) : Number.NaN };
});
