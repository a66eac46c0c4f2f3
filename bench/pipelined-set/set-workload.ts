/**
 * The pipelined-SET workload, shared by the parent (pipelined-set.ts) and its child processes
 * (set-worker.ts): keys, value, the clients measured, and what travels between the two processes.
 * Loads no client library, so the parent stays free of them.
 */
import type { ErrorMessage } from '../common/child-process.js';
import type { ProcessFigures } from '../common/measure.js';
import { type LoadArgs, loadArgv } from '../common/worker-args.js';

/** Key of command i: `key:<i>`. */
export const KEY_PREFIX = 'key:';
/** The value of every SET: 100 ASCII bytes, like `redis-benchmark -d 100`. */
export const VALUE = 'v'.repeat(92) + '-laminar';

export const CLIENT_IDS = [
  'laminar-redis',
  'ioredis',
  'node-redis-pipeline',
  'node-redis-concurrent',
] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

/** Row label in the report, whether it is a peer, and how it pipelines. */
export const CLIENT_INFO: Record<ClientId, { label: string; peer: boolean; method: string }> = {
  'laminar-redis': {
    label: 'laminar-redis',
    peer: false,
    method: 'client.pipeline(commands): one promise per batch',
  },
  ioredis: { label: 'ioredis', peer: true, method: 'redis.pipeline().set(…)….exec()' },
  'node-redis-pipeline': {
    label: 'node-redis (execAsPipeline)',
    peer: true,
    method: 'client.multi().set(…)….execAsPipeline()',
  },
  'node-redis-concurrent': {
    label: 'node-redis (concurrent set)',
    peer: true,
    method: 'Promise.all over concurrent client.set() calls, which node-redis auto-pipelines',
  },
};

export interface WorkerArgs extends LoadArgs {
  client: ClientId;
  port: number;
}

/** What a SET worker reports, in the pipelined-SET and the cluster-SET suite alike. */
export interface SetResult extends ProcessFigures {
  kind: 'result';
  /** Commands whose reply came back (all of them unless the deadline hit). */
  sent: number;
  okReplies: number;
  failedReplies: number;
  firstFailure?: string;
  deadlineHit: boolean;
}

export type WorkerMessage = SetResult | { kind: 'not-built'; message: string } | ErrorMessage;

export function workerArgv(a: WorkerArgs): string[] {
  return ['--client', a.client, '--port', String(a.port), ...loadArgv(a)];
}
