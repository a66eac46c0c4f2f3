/**
 * End-to-end suite: 1,000,000 pipelined `SET key:<i> <100-byte value>` over a private 3-master
 * Redis Cluster (no replicas), laminar-redis's cluster client against ioredis's `Redis.Cluster`,
 * each client in its own child process with the same batching.
 *
 *   for each round (client order rotated per round):
 *     for each client: FLUSHALL on every master ─▶ fork cluster-set-worker ─▶ result over IPC
 *                      ─▶ every reply OK and the masters' DBSIZEs add up to the count?
 *   row per client = its median round by rows/s
 */

import { type BenchRedisCluster, startBenchCluster } from '../common/bench-cluster.js';
import { forkWorker } from '../common/child-process.js';
import { fmt, roundTo } from '../common/figures.js';
import { replyProblems } from '../pipelined-set/set-run.js';
import { VALUE, type WorkerMessage } from '../pipelined-set/set-workload.js';
import { VERIFICATION_FAILED } from '../report.js';
import type { SuiteOptions } from '../run.js';
import type { BenchRow, SuiteResult } from '../types.js';
import {
  CLUSTER_CLIENT_IDS,
  type ClusterClientId,
  type ClusterWorkerArgs,
  clusterWorkerArgv,
} from './cluster-set-workload.js';

const FULL = { count: 1_000_000, rounds: 3, deadlineMs: 120_000 };
const QUICK = { count: 100_000, rounds: 1, deadlineMs: 30_000 };
const BATCH = 10_000;
const INFLIGHT = 4;
const WORKER = new URL('./cluster-set-worker.js', import.meta.url);

const INFO: Record<ClusterClientId, { label: string; method: string }> = {
  'laminar-redis': {
    label: 'laminar-redis',
    method: 'cluster.pipeline(commands): split per node by the client, one promise per batch',
  },
  'ioredis-cluster-pipeline': {
    label: 'ioredis Cluster (per-node pipelines)',
    method: 'batch split by cluster.slots[slot], one cluster.pipeline().set(…)….exec() per node',
  },
  'ioredis-cluster-auto': {
    label: 'ioredis Cluster (auto-pipelining)',
    method: 'Promise.all over cluster.set() with enableAutoPipelining, grouped per node by ioredis',
  },
};

interface RunRecord {
  opsPerSec: number;
  cpuSeconds: number;
  peakRssMb: number;
  serverCpuSeconds: number;
  failure?: string;
}

export async function runClusterSetBench(options: SuiteOptions = {}): Promise<SuiteResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { count, rounds, deadlineMs } = options.quick ? QUICK : FULL;
  const caseName =
    count >= 1_000_000 ? `${count / 1_000_000}M SET over 3 masters` : `${count / 1000}k SET over 3 masters`;
  const cluster = await startBenchCluster(3);
  log(
    `cluster ${cluster.addresses.join(' ')}; ${count} SETs × ${rounds} round(s), batches of ${BATCH}, ${INFLIGHT} in flight`,
  );
  const runs = new Map<ClusterClientId, RunRecord[]>(CLUSTER_CLIENT_IDS.map((id) => [id, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      const order = CLUSTER_CLIENT_IDS.map(
        (_, i) => CLUSTER_CLIENT_IDS[(i + round) % CLUSTER_CLIENT_IDS.length],
      );
      for (const id of order) {
        const r = await runClient(cluster, {
          client: id,
          seed: cluster.addresses[0],
          count,
          batch: BATCH,
          inflight: INFLIGHT,
          deadlineMs,
        });
        runs.get(id)!.push(r);
        log(
          `  round ${round + 1} ${INFO[id].label}: ${fmt(r.opsPerSec)} rows/s, CPU ${r.cpuSeconds.toFixed(2)} s, ` +
            `RSS ${r.peakRssMb.toFixed(0)} MiB` +
            (r.failure ? `  !!! ${r.failure}` : ''),
        );
      }
    }
  } finally {
    await cluster.stop();
  }

  const rows: BenchRow[] = [];
  const notes = [
    `A private 3-master Redis Cluster (no replicas) on 127.0.0.1; each client runs in its own child process ` +
      `(FLUSHALL on every master between clients); ${count} SETs in batches of ${BATCH}, at most ${INFLIGHT} in flight; ` +
      `value ${VALUE.length} bytes; RESP3. Keys key:<i> spread over all 16384 slots.`,
    `ioredis Cluster pipelines must stay on one node, so it is measured twice: the caller splitting each batch per ` +
      `node into pipelines, and auto-pipelining of single set() calls. The faster one is its peer figure.`,
    `Each row is the client's median of ${rounds} round(s) by rows/s; verified: every reply OK and the masters' ` +
      `DBSIZEs add up to ${count}. CPU s is the client process over the load loop; "server CPU s" is all three masters'.`,
  ];
  const verified = new Map<ClusterClientId, RunRecord>();
  for (const id of CLUSTER_CLIENT_IDS) {
    const list = runs.get(id)!;
    if (list.length === 0) continue;
    const failures = list.filter((r) => r.failure !== undefined);
    const median = [...list].sort((a, b) => a.opsPerSec - b.opsPerSec)[(list.length - 1) >> 1];
    rows.push({
      case: caseName,
      client: INFO[id].label,
      opsPerSec: median.opsPerSec,
      cpuSeconds: median.cpuSeconds,
      peakRssMb: median.peakRssMb,
      extra: {
        method: INFO[id].method,
        ...(rounds > 1
          ? {
              'rows/s range': `${fmt(Math.min(...list.map((r) => r.opsPerSec)))}–${fmt(Math.max(...list.map((r) => r.opsPerSec)))}`,
            }
          : {}),
        'CPU µs/row': roundTo((median.cpuSeconds / count) * 1e6, 2),
        'server CPU s': roundTo(median.serverCpuSeconds, 2),
        verified: failures.length === 0 ? `DBSIZE ${count}, all OK` : `FAILED: ${failures[0].failure}`,
      },
    });
    if (failures.length > 0) {
      notes.push(
        `${VERIFICATION_FAILED} for ${INFO[id].label} in ${failures.length} of ${list.length} round(s): ${failures[0].failure}`,
      );
    } else {
      verified.set(id, median);
    }
  }
  const ratios: SuiteResult['ratios'] = [];
  const ours = verified.get('laminar-redis');
  const peers = (['ioredis-cluster-pipeline', 'ioredis-cluster-auto'] as const).filter((id) =>
    verified.has(id),
  );
  if (ours !== undefined && peers.length > 0) {
    const fastest = peers.reduce((a, id) =>
      verified.get(id)!.opsPerSec > verified.get(a)!.opsPerSec ? id : a,
    );
    const peer = verified.get(fastest)!;
    notes.push(`Faster ioredis Cluster way here: ${INFO[fastest].label}.`);
    ratios.push({
      label: 'laminar-redis / ioredis Cluster',
      value: roundTo(ours.opsPerSec / peer.opsPerSec, 3),
    });
    for (const id of peers) {
      ratios.push({
        label: `laminar-redis / ${INFO[id].label}`,
        value: roundTo(ours.opsPerSec / verified.get(id)!.opsPerSec, 3),
      });
    }
    ratios.push({
      label: 'laminar-redis CPU s / ioredis Cluster CPU s',
      value: roundTo(ours.cpuSeconds / peer.cpuSeconds, 3),
    });
    ratios.push({
      label: 'laminar-redis RSS / ioredis Cluster RSS',
      value: roundTo(ours.peakRssMb / peer.peakRssMb, 3),
    });
  }
  return {
    suite: 'cluster-set',
    title: `End to end: ${caseName} (batches of ${BATCH}, ${INFLIGHT} in flight)`,
    rows,
    ratios,
    notes,
  };
}

/** FLUSHALL everywhere, fork the worker, wait for its report, then count the keys. */
async function runClient(cluster: BenchRedisCluster, args: ClusterWorkerArgs): Promise<RunRecord> {
  await cluster.cliAll('FLUSHALL');
  const cpu0 = await cluster.cpuSeconds();
  const message = await forkWorker<WorkerMessage>(WORKER, clusterWorkerArgv(args), args.deadlineMs);
  const serverCpuSeconds = (await cluster.cpuSeconds()) - cpu0;
  if (message.kind !== 'result') {
    return {
      opsPerSec: 0,
      cpuSeconds: 0,
      peakRssMb: 0,
      serverCpuSeconds,
      failure: `client error: ${message.message}`,
    };
  }
  const keys = await cluster.dbsize();
  const problems = replyProblems(message, args);
  if (keys !== args.count) problems.push(`DBSIZE over the masters ${keys}, expected ${args.count}`);
  return {
    opsPerSec: message.sent / message.seconds,
    cpuSeconds: message.cpuSeconds,
    peakRssMb: message.peakRssMb,
    serverCpuSeconds,
    ...(problems.length > 0 ? { failure: problems.join('; ') } : {}),
  };
}
