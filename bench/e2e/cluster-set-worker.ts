/**
 * Child process of the cluster-SET benchmark: one cluster client, one run, then exit, so that
 * `process.cpuUsage()` and `maxRSS` are that client's alone. Same load loop as set-worker.ts:
 * `inflight` lanes, each with one batch of `batch` SETs outstanding.
 *
 *   parent ──fork──▶ cluster-set-worker --client ioredis-cluster-pipeline --seed 127.0.0.1:P --count N ...
 *   parent ◀─IPC──── WorkerMessage
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CLUSTER_CLIENT_IDS, type ClusterClientId, type ClusterWorkerArgs } from './cluster-set-workload.js';
import { KEY_PREFIX, PROTOCOL, VALUE, type WorkerMessage } from './set-workload.js';

interface Outcome {
  ok: number;
  failed: number;
  firstFailure?: string;
}

interface ClusterSetClient {
  setBatch(start: number, end: number): Promise<Outcome>;
  close(): Promise<void>;
}

function tally(replies: readonly unknown[], isOk: (r: unknown) => boolean): Outcome {
  const o: Outcome = { ok: 0, failed: 0 };
  for (const r of replies) {
    if (isOk(r)) o.ok++;
    else {
      o.failed++;
      o.firstFailure ??= r instanceof Error ? `${r.name}: ${r.message}` : String(r);
    }
  }
  return o;
}

async function openLaminar(seed: string): Promise<ClusterSetClient> {
  const { createCluster } = await import('../../src/index.js');
  const cluster = await createCluster({ addresses: [seed], protocol: PROTOCOL });
  return {
    async setBatch(start, end) {
      const commands = new Array<string[]>(end - start);
      for (let i = start; i < end; i++) commands[i - start] = ['SET', KEY_PREFIX + i, VALUE];
      return tally(await cluster.pipeline(commands), (r) => r === 'OK');
    },
    close: () => cluster.close(),
  };
}

/**
 * ioredis Cluster pipelines must stay within one node, so `pipeline` mode splits each batch by the
 * node serving each key's slot (ioredis's own `cluster.slots` table) and runs one pipeline per node;
 * `auto` mode issues single SETs and lets ioredis's auto-pipelining group them per node.
 */
async function openIoredis(seed: string, mode: 'pipeline' | 'auto'): Promise<ClusterSetClient> {
  const { Cluster } = await import('ioredis');
  const { default: calculateSlot } = await import('cluster-key-slot');
  const [host, port] = seed.split(':');
  const cluster = new Cluster([{ host, port: Number(port) }], {
    redisOptions: { protocol: PROTOCOL, maxRetriesPerRequest: 0 },
    enableAutoPipelining: mode === 'auto',
    lazyConnect: true,
  });
  cluster.on('error', () => {}); // failures surface through connect() and the rejected commands
  await cluster.connect();
  const okPair = (r: unknown) => Array.isArray(r) && r[0] === null && r[1] === 'OK';
  const setBatch =
    mode === 'pipeline'
      ? async (start: number, end: number) => {
          const byNode = new Map<string, ReturnType<typeof cluster.pipeline>>();
          for (let i = start; i < end; i++) {
            const key = KEY_PREFIX + i;
            const node = cluster.slots[calculateSlot(key)][0];
            let p = byNode.get(node);
            if (p === undefined) byNode.set(node, (p = cluster.pipeline()));
            p.set(key, VALUE);
          }
          const results = await Promise.all([...byNode.values()].map((p) => p.exec()));
          return tally(
            results.flatMap((r) => r ?? []),
            okPair,
          );
        }
      : async (start: number, end: number) => {
          const pending = new Array<Promise<unknown>>(end - start);
          for (let i = start; i < end; i++) {
            pending[i - start] = cluster.set(KEY_PREFIX + i, VALUE).catch((err: Error) => err);
          }
          return tally(await Promise.all(pending), (r) => r === 'OK');
        };
  return {
    setBatch,
    async close() {
      await cluster.quit();
    },
  };
}

function readArgs(): ClusterWorkerArgs {
  const { values } = parseArgs({
    options: {
      client: { type: 'string' },
      seed: { type: 'string' },
      count: { type: 'string' },
      batch: { type: 'string' },
      inflight: { type: 'string' },
      'deadline-ms': { type: 'string' },
    },
  });
  const client = values.client as ClusterClientId;
  if (!CLUSTER_CLIENT_IDS.includes(client)) throw new Error(`unknown --client ${values.client}`);
  if (values.seed === undefined || !/^[^:]+:\d+$/.test(values.seed))
    throw new Error('--seed must be host:port');
  const int = (name: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  return {
    client,
    seed: values.seed,
    count: int('count', values.count),
    batch: int('batch', values.batch),
    inflight: int('inflight', values.inflight),
    deadlineMs: int('deadline-ms', values['deadline-ms']),
  };
}

const cpuSecondsOf = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

async function run(args: ClusterWorkerArgs): Promise<WorkerMessage> {
  const client =
    args.client === 'laminar-redis'
      ? await openLaminar(args.seed)
      : await openIoredis(args.seed, args.client === 'ioredis-cluster-pipeline' ? 'pipeline' : 'auto');
  let next = 0;
  let sent = 0;
  let okReplies = 0;
  let failedReplies = 0;
  let firstFailure: string | undefined;
  let deadlineHit = false;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + args.deadlineMs;
  const lane = async () => {
    while (next < args.count) {
      if (performance.now() > deadline) {
        deadlineHit = true;
        return;
      }
      const start = next;
      const end = Math.min(args.count, start + args.batch);
      next = end;
      const outcome = await client.setBatch(start, end);
      sent += end - start;
      okReplies += outcome.ok;
      failedReplies += outcome.failed;
      firstFailure ??= outcome.firstFailure;
    }
  };
  await Promise.all(Array.from({ length: args.inflight }, lane));
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuSecondsOf(process.cpuUsage(cpu0));
  await client.close();
  return {
    kind: 'result',
    sent,
    okReplies,
    failedReplies,
    ...(firstFailure === undefined ? {} : { firstFailure }),
    seconds,
    cpuSeconds,
    cpuSecondsProcess: cpuSecondsOf(process.cpuUsage()),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    deadlineHit,
  };
}

let message: WorkerMessage;
try {
  message = await run(readArgs());
} catch (err) {
  console.error('[cluster-set-worker]', err);
  message = { kind: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}
if (process.send === undefined) {
  process.stdout.write(JSON.stringify(message) + '\n'); // run by hand, without the harness
  process.exit(0);
}
// Exit once the message is handed over: a client that leaves a handle open must not hang the run.
process.send(message, () => process.exit(0));
