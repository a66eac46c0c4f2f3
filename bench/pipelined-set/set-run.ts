/**
 * One client run of the pipelined-SET suite: FLUSHALL, fork set-worker.ts for the client, take its
 * report over IPC, then verify against the server (every reply OK, DBSIZE equal to the count).
 * A worker that outlives its deadline plus a grace period is killed.
 */

import type { BenchRedisServer } from '../common/bench-redis.js';
import { forkWorker } from '../common/child-process.js';
import type { LoadArgs } from '../common/worker-args.js';
import { type SetResult, type WorkerArgs, type WorkerMessage, workerArgv } from './set-workload.js';

const WORKER = new URL('./set-worker.js', import.meta.url);

export interface RunRecord {
  opsPerSec: number;
  /** Client process CPU over the load loop. */
  cpuSeconds: number;
  /** Client process CPU in total (start-up, connect, load, close). */
  cpuSecondsProcess: number;
  peakRssMb: number;
  /** redis-server CPU over the whole client run. */
  serverCpuSeconds: number;
  /** Undefined when every reply was OK and DBSIZE matched. */
  failure?: string;
}

/** FLUSHALL, fork the worker, wait for its report, then check DBSIZE. */
export async function runClient(
  server: BenchRedisServer,
  args: WorkerArgs,
): Promise<RunRecord | { skipped: string }> {
  await server.cli('FLUSHALL');
  const serverCpu0 = await server.cpuSeconds();
  const message = await forkWorker<WorkerMessage>(WORKER, workerArgv(args), args.deadlineMs);
  const serverCpuSeconds = (await server.cpuSeconds()) - serverCpu0;
  if (message.kind === 'not-built') return { skipped: message.message };
  if (message.kind === 'error') {
    return {
      opsPerSec: 0,
      cpuSeconds: 0,
      cpuSecondsProcess: 0,
      peakRssMb: 0,
      serverCpuSeconds,
      failure: `client error: ${message.message}`,
    };
  }
  const dbsize = Number(await server.cli('DBSIZE'));
  const problems = replyProblems(message, args);
  if (dbsize !== args.count) problems.push(`DBSIZE ${dbsize}, expected ${args.count}`);
  return {
    opsPerSec: message.sent / message.seconds,
    cpuSeconds: message.cpuSeconds,
    cpuSecondsProcess: message.cpuSecondsProcess,
    peakRssMb: message.peakRssMb,
    serverCpuSeconds,
    ...(problems.length > 0 ? { failure: problems.join('; ') } : {}),
  };
}

/** What the worker's own report shows wrong: an early stop, or replies other than OK. */
export function replyProblems(message: SetResult, args: LoadArgs): string[] {
  const problems: string[] = [];
  if (message.deadlineHit)
    problems.push(`deadline of ${args.deadlineMs} ms hit after ${message.sent} commands`);
  if (message.okReplies !== args.count) {
    problems.push(
      `${message.okReplies} OK replies of ${args.count}` +
        (message.firstFailure ? ` (first other: ${message.firstFailure})` : ''),
    );
  }
  return problems;
}
