/**
 * Runs a job spec as a child process, SIGKILLs it at random points and restarts it until it
 * finishes; then checks Redis against the crash-free state (the target tables' too, with
 * `targets`).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CrashJobOptions,
  checkState,
  crashJobSpec,
  expectedState,
  type Findings,
  genParams,
  type StateReader,
} from './job-check.js';
import { type JobEvent, type JobProcess, spawnJob } from './job-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small seeded PRNG (mulberry32), so a failing run can be repeated with its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CrashRunResult {
  kills: number;
  /** Processes started, the finishing one included. */
  starts: number;
  findings: Findings;
  ms: number;
  finished: JobEvent;
  /** Every event of every process, in order. */
  events: JobEvent[];
}

/**
 * Runs the job once per fault spec (`LAMINAR_FAULT`, e.g. `mid-flush:14`) in turn until one kills
 * it. A fault counted in checkpoints may never come: on a slow machine fewer checkpoints fit into
 * the job's run, and it finishes first. Such a run proves nothing and fails nothing — `reset`
 * wipes what it wrote (Redis, the checkpoint directory) and the next, earlier, fault is tried.
 * Rejects when the job fails, or finishes before even the last fault.
 */
export async function runUntilFault(
  specFile: string,
  faults: readonly string[],
  reset: () => Promise<void>,
): Promise<{ job: JobProcess; fault: string }> {
  for (const fault of faults) {
    const job = await spawnJob(specFile, { LAMINAR_FAULT: fault });
    const exit = await job.exited;
    if (exit.signal === 'SIGKILL') return { job, fault };
    if (exit.code !== 0)
      throw new Error(`job failed (${exit.code ?? exit.signal}):\n${job.stderr().slice(-4000)}`);
    await reset();
  }
  throw new Error(`the job finished before each of the faults ${faults.join(', ')}`);
}

export async function writeSpec(dir: string, o: CrashJobOptions): Promise<string> {
  const file = join(dir, `${o.name}.json`);
  await writeFile(file, JSON.stringify(crashJobSpec(o), null, 2));
  return file;
}

/** Starts the job until it finishes, killing `kills` incarnations at random points first. */
export async function crashRun(
  o: CrashJobOptions & { workDir: string; kills: number; seed: number; killWindowMs: [number, number] },
  reader: StateReader,
): Promise<CrashRunResult> {
  const spec = await writeSpec(o.workDir, o);
  const random = prng(o.seed);
  const started = Date.now();
  let kills = 0;
  let starts = 0;
  const events: JobEvent[] = [];
  let finished: JobEvent | undefined;
  while (finished === undefined) {
    const job: JobProcess = await spawnJob(spec);
    starts++;
    if (kills < o.kills) {
      await job.waitFor((e) => e.event === 'attempt');
      const [lo, hi] = o.killWindowMs;
      await Promise.race([sleep(lo + random() * (hi - lo)), job.exited]);
      job.child.kill('SIGKILL');
    }
    const exit = await job.exited;
    events.push(...job.events);
    if (exit.signal === 'SIGKILL') {
      kills++;
      continue;
    }
    if (exit.code !== 0) throw new Error(`job failed (${exit.code}):\n${job.stderr().slice(-4000)}`);
    finished = job.events.find((e) => e.event === 'finished');
  }
  const findings = await checkState(
    reader,
    expectedState(genParams(o), o.ns ?? '', o.targets === true),
    o.ns ?? '',
  );
  return { kills, starts, findings, ms: Date.now() - started, finished, events };
}
