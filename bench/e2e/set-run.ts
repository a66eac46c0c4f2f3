/**
 * One client run of the pipelined-SET suite: FLUSHALL, fork set-worker.ts for the client, take its
 * report over IPC, then verify against the server (every reply OK, DBSIZE equal to the count).
 * A worker that outlives its deadline plus a grace period is killed.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchRedisServer } from './redis-server.js';
import { type WorkerArgs, type WorkerMessage, workerArgv } from './set-workload.js';

/** A worker that has not reported this long after its load deadline is killed. */
export const CHILD_GRACE_MS = 60_000;

const WORKER_PATH = fileURLToPath(new URL('./set-worker.js', import.meta.url));

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
  const message = await forkWorker(args);
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
  const problems: string[] = [];
  if (message.deadlineHit)
    problems.push(`deadline of ${args.deadlineMs} ms hit after ${message.sent} commands`);
  if (message.okReplies !== args.count) {
    problems.push(
      `${message.okReplies} OK replies of ${args.count}` +
        (message.firstFailure ? ` (first other: ${message.firstFailure})` : ''),
    );
  }
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

function forkWorker(args: WorkerArgs): Promise<WorkerMessage> {
  return new Promise((resolve) => {
    const child = fork(WORKER_PATH, workerArgv(args), {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [], // every client runs with Node's defaults, whatever flags the harness got
      serialization: 'json',
    });
    let message: WorkerMessage | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), args.deadlineMs + CHILD_GRACE_MS);
    child.on('message', (m) => {
      message ??= m as WorkerMessage;
    });
    child.on('error', (err) => {
      message ??= { kind: 'error', message: `cannot run worker: ${err.message}` };
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(
        message ?? {
          kind: 'error',
          message: `worker exited (code ${code}, signal ${signal}) without a result`,
        },
      );
    });
  });
}
