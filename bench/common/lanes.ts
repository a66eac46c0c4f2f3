/**
 * The load loop of the workers: items 0..count-1 in batches of `batch`, over `inflight` lanes that
 * each keep one batch outstanding, so at most `inflight` batches are in flight at once.
 *
 *   lane 1: [0,B)───await──▶[4B,5B)──await──▶ …
 *   lane 2: [B,2B)──await──▶[5B,6B)──await──▶ …     (inflight = 4)
 *   …
 */
import { performance } from 'node:perf_hooks';
import type { LoadArgs } from './worker-args.js';

/**
 * Hands out batches until all `count` items are taken or `deadline` (a `performance.now()` time)
 * has passed; no new batch starts after it. Resolves when every lane is done.
 */
export async function runLanes(
  load: Pick<LoadArgs, 'count' | 'batch' | 'inflight'>,
  deadline: number,
  sendBatch: (start: number, end: number) => Promise<void>,
): Promise<{ deadlineHit: boolean }> {
  let next = 0;
  let deadlineHit = false;
  const lane = async () => {
    while (next < load.count) {
      if (performance.now() > deadline) {
        deadlineHit = true;
        return;
      }
      const start = next;
      const end = Math.min(load.count, start + load.batch);
      next = end;
      await sendBatch(start, end);
    }
  };
  await Promise.all(Array.from({ length: load.inflight }, lane));
  return { deadlineHit };
}
