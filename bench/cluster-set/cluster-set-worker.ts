/**
 * Child process of the cluster-SET benchmark: one cluster client, one run, then exit, so that
 * `process.cpuUsage()` and `maxRSS` are that client's alone. Same load as set-worker.ts
 * (set-load.ts): `inflight` lanes, each with one batch of `batch` SETs outstanding.
 *
 *   parent ──fork──▶ cluster-set-worker --client ioredis-cluster-pipeline --seed 127.0.0.1:P --count N ...
 *   parent ◀─IPC──── WorkerMessage
 */
import { reportToParent } from '../common/child-process.js';
import { loadArgsOf, oneOf, readWorkerOptions } from '../common/worker-args.js';
import { runSetLoad } from '../pipelined-set/set-load.js';
import type { WorkerMessage } from '../pipelined-set/set-workload.js';
import { openClusterClient } from './cluster-set-clients.js';
import { CLUSTER_CLIENT_IDS, type ClusterWorkerArgs } from './cluster-set-workload.js';

function readArgs(): ClusterWorkerArgs {
  const values = readWorkerOptions(['client', 'seed']);
  const client = oneOf('client', values.client, CLUSTER_CLIENT_IDS);
  if (values.seed === undefined || !/^[^:]+:\d+$/.test(values.seed))
    throw new Error('--seed must be host:port');
  return { client, seed: values.seed, ...loadArgsOf(values) };
}

await reportToParent<WorkerMessage>('cluster-set-worker', async () => {
  const args = readArgs();
  return runSetLoad(await openClusterClient(args.client, args.seed), args);
});
