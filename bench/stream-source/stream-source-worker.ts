/**
 * Child process of the stream-source suite: one variant, one run, then exit, so that its CPU and
 * RSS are that consumer's alone.
 *
 *   parent ──fork──▶ stream-source-worker --variant V --port P --count N --batch B --deadline-ms D
 *   parent ◀─IPC──── StreamWorkerMessage
 *
 * `node-redis-loop` is the hand-written at-least-once consumer: per stream, a loop of
 * `XREADGROUP COUNT B ... >`, then one pipeline of an RPUSH per entry and one XACK of the batch.
 * `at-least-once` / `exactly-once` run a laminar-redis job (startJob) with a Redis stream source
 * and a list table of that delivery. The clock stops when every entry is in its list and nothing
 * is pending in the group.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startJob } from '../../src/job/job.js';
import { createClient } from '../../src/resp/client.js';
import { reportToParent } from '../common/child-process.js';
import { errorText } from '../common/failures.js';
import { processFigures, timeLoad } from '../common/measure.js';
import { connectNodeRedis } from '../common/peer-connections.js';
import { oneOf, positiveInt, readWorkerOptions } from '../common/worker-args.js';
import {
  GROUP,
  LIST_PREFIX,
  progress,
  STREAMS,
  type StreamWorkerArgs,
  type StreamWorkerMessage,
  streamKey,
  VARIANTS,
} from './stream-source-workload.js';

function readArgs(): StreamWorkerArgs {
  const v = readWorkerOptions(['variant', 'port']);
  return {
    variant: oneOf('variant', v.variant, VARIANTS),
    port: positiveInt('port', v.port),
    count: positiveInt('count', v.count),
    batch: positiveInt('batch', v.batch),
    deadlineMs: positiveInt('deadline-ms', v['deadline-ms']),
  };
}

/** Shards of the list table: each its own connection and, exactly-once, its own fence calls in flight. */
const SHARDS = 2;
/** Rows per flush of the list table: fewer, larger fence calls (one runs at a time per shard). */
const SINK_BATCH = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The hand-written consumer: returns the entries it moved. */
async function nodeRedisLoop(a: StreamWorkerArgs, deadline: number): Promise<number> {
  const client = await connectNodeRedis('127.0.0.1', a.port);
  let moved = 0;
  try {
    for (let s = 0; s < STREAMS; s++) await client.xGroupCreate(streamKey(s), GROUP, '0', { MKSTREAM: true });
    await Promise.all(
      Array.from({ length: STREAMS }, async (_, s) => {
        const key = streamKey(s);
        while (moved < a.count && performance.now() < deadline) {
          const reply = await client.xReadGroup(GROUP, 'loop', { key, id: '>' }, { COUNT: a.batch });
          const messages = reply?.[0]?.messages ?? [];
          if (messages.length === 0) {
            if (moved >= a.count) break;
            await sleep(5);
            continue;
          }
          const multi = client.multi();
          const ids: string[] = [];
          for (const m of messages) {
            const text = (m.message as Record<string, string>).row;
            multi.rPush(`${LIST_PREFIX}${(JSON.parse(text) as { k: string }).k}`, text);
            ids.push(m.id);
          }
          multi.xAck(key, GROUP, ids);
          await multi.execAsPipeline();
          moved += messages.length;
        }
      }),
    );
  } finally {
    await client.quit().catch(() => {});
  }
  return moved;
}

/** A laminar-redis job until every entry is listed and acknowledged: returns the entries listed. */
async function laminarJob(a: StreamWorkerArgs, deadline: number, delivery: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'laminar-bench-stream-'));
  const url = `redis://127.0.0.1:${a.port}`;
  const watch = await createClient(url);
  const job = startJob({
    name: 'bench-stream',
    sources: [
      {
        type: 'redis-stream',
        name: 'in',
        address: url,
        streams: Array.from({ length: STREAMS }, (_, s) => streamKey(s)),
        group: GROUP,
        consumer: 'job',
        start: '0',
        claimIdleMs: 0,
        batch: a.batch,
      },
    ],
    tables: [
      {
        sql: `CREATE TABLE out (k TEXT, seq BIGINT) WITH (connector = 'redis', type = 'sink', address = '${url}',
          'sink.type' = 'list', 'sink.list_prefix' = '${LIST_PREFIX}', 'sink.list_key_column' = 'k',
          'sink.operation' = 'Append', 'sink.delivery' = '${delivery}', 'sink.batch_size' = '${SINK_BATCH}')`,
        shards: SHARDS,
      },
    ],
    checkpoint: { dir, intervalMs: 100 },
    batchSize: a.batch,
  });
  let listed = 0;
  try {
    for (;;) {
      const p = await progress(watch);
      listed = p.listed;
      if ((listed >= a.count && p.pending === 0) || performance.now() > deadline) break;
      await sleep(25);
    }
  } finally {
    await job.stop().catch(() => {});
    await watch.close();
    await rm(dir, { recursive: true, force: true });
  }
  return listed;
}

async function run(
  a: StreamWorkerArgs,
): Promise<Omit<StreamResult, 'kind' | 'cpuSecondsProcess' | 'peakRssMb'>> {
  let rows = 0;
  let failure: string | undefined;
  const { seconds, cpuSeconds } = await timeLoad(async (t0) => {
    const deadline = t0 + a.deadlineMs;
    try {
      rows =
        a.variant === 'node-redis-loop'
          ? await nodeRedisLoop(a, deadline)
          : await laminarJob(a, deadline, a.variant === 'exactly-once' ? 'exactly_once' : 'at_least_once');
    } catch (err) {
      failure = errorText(err);
    }
  });
  return {
    rows,
    seconds,
    cpuSeconds,
    deadlineHit: rows < a.count,
    ...(failure === undefined ? {} : { failure }),
  };
}

type StreamResult = Extract<StreamWorkerMessage, { kind: 'result' }>;

await reportToParent<StreamWorkerMessage>('stream-source-worker', async () => {
  const result = await run(readArgs());
  return { kind: 'result', ...result, ...processFigures() };
});
