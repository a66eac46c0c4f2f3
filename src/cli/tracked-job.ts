/**
 * A job run in this process with its progress observed: rows read per source (from the positions
 * of each recorded checkpoint) and rows written per sink table (acknowledged by Redis, from the
 * sinks' `laminar_rows_out_total` counter, sampled while it runs). Reports go to a
 * {@link RunListener}: the progress bar or JSON lines.
 */

import { startJob } from '../job/job.js';
import type { Logger } from '../log.js';
import { rowsOutTotal } from '../metrics/instruments.js';
import type { JobSpec } from '../plan/job-spec.js';
import type { SinkInfo, SourceInfo } from './script.js';

/** How often written rows are sampled while a job runs. */
export const SAMPLE_INTERVAL_MS = 200;
/** Rates are rows over this window. */
const RATE_WINDOW_MS = 2_000;

/** A snapshot of one job's progress. */
export interface RunProgress {
  job: string;
  /** Milliseconds since the job started. */
  ms: number;
  /** Rows read per source, as of the last checkpoint. */
  read: Record<string, number>;
  /** Rows acknowledged by Redis per sink table. */
  written: Record<string, number>;
  /** Rows written per second per sink table, over the last couple of seconds. */
  rate: Record<string, number>;
}

/** How a job run ended. */
export interface RunSummary extends RunProgress {
  outcome: 'finished' | 'stopped' | 'failed';
  /** Rows written per second per sink table over the whole run. */
  averageRate: Record<string, number>;
  attempts: number;
  generation: number;
  checkpoints: number;
  /** Why it failed (outcome `failed`). */
  error?: unknown;
}

/** What a run tells as it goes. Every method is optional. */
export interface RunListener {
  attempt?(job: string, info: { attempt: number; generation: number; restored: number | null }): void;
  checkpoint?(p: RunProgress & { id: number; generation: number; finished: boolean }): void;
  sample?(p: RunProgress): void;
}

export interface TrackedJobOptions {
  spec: JobSpec;
  sources: readonly SourceInfo[];
  sinks: readonly SinkInfo[];
  listener?: RunListener;
  logger?: Logger;
  /** Aborting stops the job (it resumes from its last checkpoint when run again). */
  signal?: AbortSignal;
}

/** Written rows per table, as the process-wide counter has them now. */
async function writtenNow(tables: readonly string[]): Promise<Record<string, number>> {
  const { values } = await rowsOutTotal.get();
  const out: Record<string, number> = Object.fromEntries(tables.map((t) => [t, 0]));
  for (const v of values) {
    const t = String(v.labels.table);
    if (t in out) out[t] += v.value;
  }
  return out;
}

/**
 * Runs the job to its end (or until `signal` aborts) and resolves with a summary; never rejects
 * for the job's own failure (outcome `failed`, with the error).
 */
export async function runTrackedJob(o: TrackedJobOptions): Promise<RunSummary> {
  const job = o.spec.name;
  const tables = o.sinks.map((s) => s.name);
  // The counter is process-wide and cumulative: count from here.
  const baseline = await writtenNow(tables);
  const started = performance.now();
  const read: Record<string, number> = Object.fromEntries(o.sources.map((s) => [s.name, 0]));
  let written: Record<string, number> = Object.fromEntries(tables.map((t) => [t, 0]));
  const history: { at: number; written: Record<string, number> }[] = [];
  let info = { attempts: 0, generation: 0, checkpoints: 0 };
  // Reports are sent in order, each after the sample it shows.
  let reports = Promise.resolve();
  const report = (fn: () => void) => {
    reports = reports
      .then(sample)
      .then(fn)
      .catch(() => {});
  };

  const snapshot = (): RunProgress => {
    const at = performance.now();
    const old = history.find((h) => at - h.at <= RATE_WINDOW_MS) ?? history[0];
    const rate: Record<string, number> = {};
    for (const t of tables) {
      const dt = old === undefined ? 0 : (at - old.at) / 1000;
      rate[t] = dt > 0 ? Math.max(0, (written[t] - old.written[t]) / dt) : 0;
    }
    return { job, ms: Math.round(at - started), read: { ...read }, written: { ...written }, rate };
  };
  const sample = async () => {
    const now = await writtenNow(tables);
    written = Object.fromEntries(tables.map((t) => [t, now[t] - baseline[t]]));
    const at = performance.now();
    history.push({ at, written });
    while (history.length > 2 && at - history[1].at > RATE_WINDOW_MS) history.shift();
  };

  const handle = startJob(o.spec, {
    logger: o.logger,
    onAttempt: ({ attempt, generation, restored }) => {
      info = { ...info, attempts: attempt, generation };
      // A restored checkpoint's positions are rows read before this process started.
      if (restored !== null) Object.assign(read, readOf(o.sources, restored.sources));
      o.listener?.attempt?.(job, { attempt, generation, restored: restored?.id ?? null });
    },
    onCheckpoint: (cp, { generation, finished }) => {
      info = { ...info, generation, checkpoints: info.checkpoints + 1 };
      Object.assign(read, readOf(o.sources, cp.sources));
      report(() => o.listener?.checkpoint?.({ ...snapshot(), id: cp.id, generation, finished }));
    },
  });
  const timer = setInterval(() => report(() => o.listener?.sample?.(snapshot())), SAMPLE_INTERVAL_MS);
  const stop = () => void handle.stop().catch(() => {});
  o.signal?.addEventListener('abort', stop, { once: true });
  if (o.signal?.aborted) stop();

  let outcome: RunSummary['outcome'] = 'finished';
  let error: unknown;
  try {
    const result = await handle.done;
    info = { attempts: result.attempts, generation: result.generation, checkpoints: result.checkpoints };
    Object.assign(read, readOf(o.sources, result.last.sources));
  } catch (err) {
    if (o.signal?.aborted && (err as { code?: string }).code === 'ERR_JOB_STOPPED') outcome = 'stopped';
    else {
      outcome = 'failed';
      error = err;
    }
  } finally {
    clearInterval(timer);
    o.signal?.removeEventListener('abort', stop);
  }
  await reports;
  await sample();
  const last = snapshot();
  const seconds = last.ms / 1000;
  const averageRate = Object.fromEntries(tables.map((t) => [t, seconds > 0 ? written[t] / seconds : 0]));
  return { ...last, outcome, averageRate, ...info, ...(error === undefined ? {} : { error }) };
}

/** Rows read per source from checkpoint positions (numeric ones: generator and JSON-lines offsets). */
function readOf(
  sources: readonly SourceInfo[],
  positions: Readonly<Record<string, string | number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of sources) {
    let n = 0;
    for (const c of s.channels) {
      const p = positions[c];
      if (typeof p === 'number') n += p;
    }
    out[s.name] = n;
  }
  return out;
}
