/**
 * The load of both SET suites (pipelined-set, cluster-set), run inside their workers: `inflight`
 * lanes, each with one batch of `batch` SETs outstanding, on the clock; then the client closes and
 * the whole process is measured.
 */
import { runLanes } from '../common/lanes.js';
import { processFigures, timeLoad } from '../common/measure.js';
import type { LoadArgs } from '../common/worker-args.js';
import type { SetClient } from './set-clients.js';
import type { SetResult } from './set-workload.js';

export async function runSetLoad(client: SetClient, args: LoadArgs): Promise<SetResult> {
  let sent = 0;
  let okReplies = 0;
  let failedReplies = 0;
  let firstFailure: string | undefined;
  const { result, seconds, cpuSeconds } = await timeLoad((t0) =>
    runLanes(args, t0 + args.deadlineMs, async (start, end) => {
      const outcome = await client.setBatch(start, end);
      sent += end - start;
      okReplies += outcome.ok;
      failedReplies += outcome.failed;
      firstFailure ??= outcome.firstFailure;
    }),
  );
  await client.close();
  return {
    kind: 'result',
    sent,
    okReplies,
    failedReplies,
    ...(firstFailure === undefined ? {} : { firstFailure }),
    seconds,
    cpuSeconds,
    ...processFigures(),
    deadlineHit: result.deadlineHit,
  };
}
