/**
 * Child process: one `runBenchmark()` against the benchmark's private redis-server, in a process
 * of its own like every client of the sink suite, then its report over IPC. Also estimates the
 * wall-clock start of the run, so an observer elsewhere can compute each row's intended send time,
 * and watches its own event loop and garbage collector: a reply that reaches this process while
 * it is busy is acknowledged late, and that part of the reported latency is the writer's, not
 * Redis's.
 *
 *   parent ──fork──▶ harness-worker '{"url":…,"target":"list",…}'
 *   parent ◀─IPC──── { report, startWallMs, writer }
 */
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import { runBenchmark } from '../../src/harness/run-benchmark.js';
import { reportToParent } from '../common/child-process.js';
import { roundTo } from '../common/figures.js';
import { type HarnessMessage, readSpec, type WriterStalls } from './harness-workload.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * The period of the event-loop delay timer, ms. Its figures are the time between its ticks, so
 * this is taken off them; a finer one would wake the writer more often than the stalls it shows.
 */
const DELAY_RESOLUTION_MS = 10;

/**
 * Watches the event loop's delay and the GC's pauses over the load: from the end of the run's
 * first interval (creating the rows of a million keys before the run is not the run's stall) to
 * the end of its last (the clean-up after it is not either). `interval()` is called at the end of
 * every interval; `figures()` gives what was seen up to the last one.
 */
function stallWatch() {
  const delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  let gcMs = 0;
  let gcLongestMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      gcLongestMs = Math.max(gcLongestMs, e.duration);
    }
  });
  const ms = (ns: number) => roundTo(Math.max(0, ns / 1e6 - DELAY_RESOLUTION_MS), 2);
  let started = false;
  let seen: Omit<WriterStalls, 'cpuShare'> = {
    loopDelayP50Ms: 0,
    loopDelayP99Ms: 0,
    loopDelayMaxMs: 0,
    gcPauseMs: 0,
    gcLongestPauseMs: 0,
  };
  return {
    interval(): void {
      if (!started) {
        started = true;
        delay.enable();
        gc.observe({ entryTypes: ['gc'] });
        return;
      }
      seen = {
        loopDelayP50Ms: ms(delay.percentile(50)),
        loopDelayP99Ms: ms(delay.percentile(99)),
        loopDelayMaxMs: ms(delay.max),
        gcPauseMs: roundTo(gcMs, 1),
        gcLongestPauseMs: roundTo(gcLongestMs, 2),
      };
    },
    figures(): Omit<WriterStalls, 'cpuShare'> {
      delay.disable();
      gc.disconnect();
      return seen;
    },
  };
}

await reportToParent<HarnessMessage>('harness-worker', async () => {
  const spec = readSpec();
  // atMs is rounded to whole ms and read right after the interval closes; the median over many
  // intervals of (wall clock now − atMs) puts the run's start within a fraction of a millisecond.
  const starts: number[] = [];
  const stalls = stallWatch();
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
    onInterval: (p) => {
      starts.push(performance.timeOrigin + performance.now() - p.atMs);
      stalls.interval();
    },
  });
  return {
    kind: 'result',
    report,
    startWallMs: starts.length > 0 ? median(starts) : Number.NaN,
    writer: {
      ...stalls.figures(),
      cpuShare:
        report.elapsedMs > 0
          ? roundTo((report.cpuMicrosPerRow * report.rowsAcked) / (report.elapsedMs * 1000), 3)
          : 0,
    },
  };
});
