/**
 * One client run of the sink suite: FLUSHALL, fork sink-worker.ts for the client and table type,
 * take its report over IPC, then verify the Redis state (sink-verify.ts; an exactly-once run's
 * fence hashes are checked to exist and dropped first). A worker that outlives its
 * deadline plus a grace period is killed.
 */

import type { BenchRedisServer } from '../common/bench-redis.js';
import { forkWorker } from '../common/child-process.js';
import { dropFences, verifySinkState } from './sink-verify.js';
import { CLIENT_INFO, type WorkerArgs, type WorkerMessage, workerArgv } from './sink-workload.js';

const WORKER = new URL('./sink-worker.js', import.meta.url);

export interface SinkRunRecord {
  rowsPerSec: number;
  /** Client process CPU over the load loop. */
  cpuSeconds: number;
  peakRssMb: number;
  /** redis-server CPU over the whole client run. */
  serverCpuSeconds: number;
  /** Redis commands the client sent for the rows. */
  commands: number;
  /**
   * INFO commandstats over the load alone (reset before it, read before the verification):
   * per command, its calls and server microseconds. Commands a script runs count under their
   * own names as well as under the script's.
   */
  commandStats: ReadonlyMap<string, { calls: number; usec: number }>;
  /** Undefined when every reply was fine and Redis holds what it should. */
  failure?: string;
}

export async function runSinkClient(server: BenchRedisServer, args: WorkerArgs): Promise<SinkRunRecord> {
  await server.cli('FLUSHALL');
  await server.cli('CONFIG', 'RESETSTAT');
  const serverCpu0 = await server.cpuSeconds();
  const message = await forkWorker<WorkerMessage>(WORKER, workerArgv(args), args.deadlineMs);
  const serverCpuSeconds = (await server.cpuSeconds()) - serverCpu0;
  const commandStats = commandStatsOf(await server.cli('INFO', 'commandstats'));
  if (message.kind === 'error') {
    return {
      rowsPerSec: 0,
      cpuSeconds: 0,
      peakRssMb: 0,
      serverCpuSeconds,
      commands: 0,
      commandStats,
      failure: `client error: ${message.message}`,
    };
  }
  const problems: string[] = [];
  if (message.deadlineHit) problems.push(`deadline of ${args.deadlineMs} ms hit after ${message.rows} rows`);
  if (message.failedReplies > 0 || message.rowsAcked !== args.count) {
    problems.push(
      `${message.rowsAcked} of ${args.count} rows acknowledged, ${message.failedReplies} failed replies` +
        (message.firstFailure ? ` (first: ${message.firstFailure})` : ''),
    );
  }
  if (CLIENT_INFO[args.client].fenced && (await dropFences(server)) === 0)
    problems.push('exactly-once run left no fence hash');
  const stateProblem = await verifySinkState(server, args.type, args.count, args.shape);
  if (stateProblem !== undefined) problems.push(stateProblem);
  return {
    rowsPerSec: message.rows / message.seconds,
    cpuSeconds: message.cpuSeconds,
    peakRssMb: message.peakRssMb,
    serverCpuSeconds,
    commands: message.commands,
    commandStats,
    ...(problems.length > 0 ? { failure: problems.join('; ') } : {}),
  };
}

/** `cmdstat_<name>:calls=…,usec=…` lines of INFO commandstats, by command name. */
function commandStatsOf(info: string): Map<string, { calls: number; usec: number }> {
  const out = new Map<string, { calls: number; usec: number }>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    out.set(m[1], { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return out;
}
