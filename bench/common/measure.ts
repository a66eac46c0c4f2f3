/**
 * What a worker measures about itself. Each client runs in a process of its own, so these are that
 * client's alone: CPU over the timed load loop, CPU of the whole process, and its peak RSS.
 */
import { performance } from 'node:perf_hooks';

/** Figures of the timed load loop. */
export interface LoopFigures {
  seconds: number;
  /** User+system CPU over the timed load loop only. */
  cpuSeconds: number;
}

/** Every figure a worker reports. */
export interface ProcessFigures extends LoopFigures {
  /** User+system CPU of the whole process: start-up, module loading, connect, load, close. */
  cpuSecondsProcess: number;
  peakRssMb: number;
}

const cpuSecondsOf = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

/** Runs `load` on the clock; it is handed its start time (`performance.now()`) to set its deadline by. */
export async function timeLoad<T>(load: (t0: number) => Promise<T>): Promise<{ result: T } & LoopFigures> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await load(t0);
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuSecondsOf(process.cpuUsage(cpu0));
  return { result, seconds, cpuSeconds };
}

/** The whole process so far; taken after the client has closed. */
export function processFigures(): Pick<ProcessFigures, 'cpuSecondsProcess' | 'peakRssMb'> {
  return {
    cpuSecondsProcess: cpuSecondsOf(process.cpuUsage()),
    peakRssMb: process.resourceUsage().maxRSS / 1024, // maxRSS is KiB
  };
}
