/**
 * Drives a writer with batches of rows, closed loop or open loop, and records each row's latency.
 *
 * Closed loop (no rate): a batch is made and handed over as soon as fewer than `inFlight` batches
 * are unacknowledged; a row's latency runs from its hand-over to its batch's acknowledgement.
 *
 * Open loop (a rate): row i is due at `start + i / rate` whatever happened before it. A batch is
 * handed over once its last row is due (or its first has waited `lingerMs`, at low rates), and
 * when the window is full the loop waits with the rows' due times running — so a stall of Redis
 * shows in the latency of every row that arrived during it, instead of being left out
 * (coordinated omission).
 *
 * In open loop the process is the one that takes note of acknowledgements, so it never makes two
 * batches without letting the event loop turn in between: a reply read while a batch is encoded
 * is noted before the next one starts.
 *
 * One promise and one callback per batch; no closure or timer per row.
 */
import Denque from 'denque';
import type { RowSource } from './bench-rows.js';
import type { BenchWriter } from './bench-writer.js';
import type { LatencyRecorder } from './latency-recorder.js';

export interface LoadPlan {
  rows: number | null;
  durationMs: number | null;
  rate: number | null;
  batchSize: number;
  inFlight: number;
  /** Open loop: longest the first row of a partial batch waits before it is sent, ms. */
  lingerMs: number;
  signal?: AbortSignal;
}

/** What the loop did. */
export interface LoadOutcome {
  rowsSent: number;
  /** The failure that stopped it (the writer's), or null. */
  error: unknown;
}

interface Pending {
  promise: Promise<void>;
}

export async function runLoad(
  writer: BenchWriter,
  source: RowSource,
  recorder: LatencyRecorder,
  plan: LoadPlan,
): Promise<LoadOutcome> {
  const start = recorder.startedAt;
  const stepMs = plan.rate === null ? 0 : 1000 / plan.rate;
  const endAt = plan.durationMs === null ? Number.POSITIVE_INFINITY : start + plan.durationMs;
  const total = plan.rows ?? Number.POSITIVE_INFINITY;
  const window = new Denque<Pending>();
  let next = 0;
  let error: unknown = null;
  const failed = (err: unknown) => {
    error ??= err;
  };

  while (error === null && next < total && plan.signal?.aborted !== true) {
    let now = performance.now();
    if (now >= endAt) break;
    let count = Math.min(plan.batchSize, total - next);
    if (plan.rate !== null) {
      // Send when the batch's last row is due, or when its first has waited lingerMs.
      const sendAt = Math.min(start + (next + count - 1) * stepMs, start + next * stepMs + plan.lingerMs);
      if (now < sendAt) {
        await sleep(sendAt - now);
      } else {
        // Behind schedule (after a stall, or with the window freed inside a reply's callback):
        // catching up would otherwise encode a window of batches while replies wait unnoted,
        // and the report would charge that wait to Redis.
        await nextTurn();
      }
      now = performance.now();
      if (now >= endAt) break;
      count = Math.min(count, Math.floor((now - start) / stepMs) + 1 - next);
      if (count <= 0) continue;
    }
    const first = next;
    const rows = source.rows(first, count);
    const handedAt = performance.now();
    try {
      await writer.write(rows, first);
    } catch (err) {
      failed(err);
      break;
    }
    next += count;
    const acked = writer.acked();
    const onAck =
      plan.rate === null
        ? () => recorder.recordSame(handedAt, performance.now(), count)
        : () => recorder.recordSpaced(start + first * stepMs, stepMs, performance.now(), count);
    window.push({ promise: acked.then(onAck, failed) });
    while (window.length >= plan.inFlight) await window.shift()!.promise;
  }
  while (window.length > 0) await window.shift()!.promise;
  return { rowsSent: next, error };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
