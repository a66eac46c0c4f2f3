/**
 * Suite `stream-source`: a Redis stream source feeding a list table, against a hand-written
 * node-redis consumer (XREADGROUP + a pipeline of RPUSH + XACK) doing the same at-least-once.
 * `count` entries over 4 streams, read through one consumer group into ~64 lists, each variant in
 * its own child process against the same private redis-server (FLUSHALL and a fresh fill before
 * each), in rounds that rotate the variants' order. A run lasts 3–8 s, so one checkpoint or GC
 * stall moves a single run's rate by a third: each ratio is the median of its rounds' own ratios.
 * Goals (issue "Real inputs"): laminar-redis at-least-once ≥ 2× the node-redis loop's
 * rows/s; exactly-once ≥ 0.7× laminar-redis at-least-once, same run.
 *
 *   for each variant: FLUSHALL ─▶ fill streams ─▶ fork stream-source-worker ─▶ verify lists + pending
 */
import { createClient } from '../../src/resp/client.js';
import { type BenchRedisServer, startBenchRedisServer } from '../common/bench-redis.js';
import { forkWorker } from '../common/child-process.js';
import { fmt, medianBy, roundTo } from '../common/figures.js';
import { VERIFICATION_FAILED } from '../report.js';
import type { SuiteOptions } from '../run.js';
import type { BenchRow, SuiteResult } from '../types.js';
import {
  fillStreams,
  listKeys,
  progress,
  type StreamResult,
  type StreamWorkerArgs,
  type StreamWorkerMessage,
  streamWorkerArgv,
  VARIANTS,
  type Variant,
} from './stream-source-workload.js';

const WORKER = new URL('./stream-source-worker.js', import.meta.url);
/** 1M entries, as the issue asks; the slowest variant (the loop, ~30k/s on a loaded machine) fits the deadline. */
const FULL = { count: 1_000_000, deadlineMs: 180_000, rounds: 3 };
const QUICK = { count: 100_000, deadlineMs: 60_000, rounds: 1 };
const BATCH = 1_000;
const GOAL_VS_PEER = 2;
const GOAL_EXACTLY_ONCE = 0.7;

const LABEL: Record<Variant, { client: string; case: string }> = {
  'node-redis-loop': { client: 'node-redis', case: 'XREADGROUP + RPUSH pipeline + XACK loop, at-least-once' },
  'at-least-once': { client: 'laminar-redis', case: 'stream source → list table, at-least-once' },
  'exactly-once': { client: 'laminar-redis', case: 'stream source → list table, exactly-once' },
};

/** Problems with the lists and the group after a run: every entry once, in order, nothing pending. */
async function verify(server: BenchRedisServer, count: number): Promise<string | undefined> {
  const c = await createClient(server.url);
  try {
    const { pending } = await progress(c);
    if (pending !== 0) return `${pending} entries still pending`;
    let total = 0;
    for (const key of listKeys()) {
      const items = (await c.send(['LRANGE', key, 0, -1])) as string[];
      total += items.length;
      let last = -1;
      for (const item of items) {
        const seq = (JSON.parse(item) as { seq: number }).seq;
        if (seq <= last) return `list ${key}: seq ${seq} after ${last} (a duplicate or out of order)`;
        last = seq;
      }
    }
    return total === count ? undefined : `${total} entries in the lists, ${count} expected`;
  } finally {
    await c.close();
  }
}

async function runVariant(server: BenchRedisServer, args: StreamWorkerArgs) {
  await server.cli('FLUSHALL');
  const c = await createClient(server.url);
  try {
    await fillStreams(c, args.count);
  } finally {
    await c.close();
  }
  const message = await forkWorker<StreamWorkerMessage>(WORKER, streamWorkerArgv(args), args.deadlineMs);
  if (message.kind === 'error') return { failure: `client error: ${message.message}` } as const;
  const problems: string[] = [];
  if (message.failure !== undefined) problems.push(message.failure);
  if (message.deadlineHit)
    problems.push(`deadline of ${args.deadlineMs} ms hit after ${message.rows} entries`);
  if (problems.length === 0) {
    const wrong = await verify(server, args.count);
    if (wrong !== undefined) problems.push(wrong);
  }
  return { message, failure: problems.length === 0 ? undefined : problems.join('; ') } as const;
}

export async function runStreamSourceBench(options: SuiteOptions = {}): Promise<SuiteResult> {
  const { count, deadlineMs, rounds } = options.quick ? QUICK : FULL;
  const log = options.log ?? (() => {});
  const server = await startBenchRedisServer();
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  /** Per round, each variant's entries/s (absent when the run failed). */
  const rates: Map<Variant, number>[] = [];
  const runs = new Map<Variant, { opsPerSec: number; message: StreamResult }[]>();
  try {
    for (let round = 0; round < rounds; round++) {
      const rate = new Map<Variant, number>();
      rates.push(rate);
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
      for (const variant of order) {
        const { message, failure } = await runVariant(server, {
          variant,
          port: server.port,
          count,
          batch: BATCH,
          deadlineMs,
        });
        if (failure !== undefined || message === undefined) {
          notes.push(`${VERIFICATION_FAILED} for ${variant} (round ${round + 1}): ${failure}`);
          continue;
        }
        const opsPerSec = message.rows / message.seconds;
        rate.set(variant, opsPerSec);
        log(`round ${round + 1} ${variant}: ${fmt(opsPerSec)} entries/s (${message.seconds.toFixed(1)} s)`);
        const list = runs.get(variant) ?? [];
        list.push({ opsPerSec, message });
        runs.set(variant, list);
      }
    }
  } finally {
    await server.stop();
  }
  for (const variant of VARIANTS) {
    const list = runs.get(variant);
    if (list === undefined) continue;
    const { opsPerSec, message } = medianBy(list, (r) => r.opsPerSec);
    rows.push({
      case: LABEL[variant].case,
      client: LABEL[variant].client,
      opsPerSec: Math.round(opsPerSec),
      cpuSeconds: roundTo(message.cpuSeconds, 2),
      peakRssMb: roundTo(message.peakRssMb, 1),
      extra: {
        entries: message.rows,
        seconds: roundTo(message.seconds, 2),
        ...(list.length > 1 ? { 'entries/s by round': list.map((r) => fmt(r.opsPerSec)).join(' / ') } : {}),
      },
    });
  }
  const ratios: SuiteResult['ratios'] = [];
  const goals: string[] = [];
  const ratioOf = (
    label: string,
    over: Variant,
    under: Variant,
    goal: number,
    text: (r: number) => string,
  ) => {
    const each = rates.flatMap((rate) => {
      const a = rate.get(over);
      const b = rate.get(under);
      return a === undefined || b === undefined ? [] : [a / b];
    });
    if (each.length === 0) return;
    const r = medianBy(each, (x) => x);
    ratios.push({ label, value: roundTo(r, 3) });
    const byRound =
      each.length > 1
        ? ` (median of ${each.length} rounds: ${each.map((x) => x.toFixed(2)).join(', ')})`
        : '';
    goals.push(`${text(r)}${byRound} — goal ${r >= goal ? 'met' : 'NOT met'}`);
  };
  ratioOf(
    'laminar-redis at-least-once / node-redis loop (entries/s)',
    'at-least-once',
    'node-redis-loop',
    GOAL_VS_PEER,
    (r) => `at-least-once at ${r.toFixed(2)}× the node-redis loop, goal ≥ ${GOAL_VS_PEER}×`,
  );
  ratioOf(
    'exactly-once / at-least-once (entries/s)',
    'exactly-once',
    'at-least-once',
    GOAL_EXACTLY_ONCE,
    (r) => `exactly-once at ${(r * 100).toFixed(0)}% of at-least-once, goal ≥ ${GOAL_EXACTLY_ONCE * 100}%`,
  );
  notes.unshift(
    `${fmt(count)} entries over 4 streams (one JSON field each), read through one consumer group into 64 lists ` +
      `(RPUSH), every entry acknowledged (XACK); each variant in its own child process against the same private ` +
      `redis-server, the streams filled again before each. ${BATCH} entries per XREADGROUP. laminar-redis runs a job ` +
      `(startJob) with checkpoints every 100 ms: entries are acknowledged after the checkpoint that covers them.`,
    'The clock runs from the consumer starting (connect, group) until every entry is in its list and nothing is ' +
      'pending. Verified after each run: every list holds its entries once, in stream order, and the group has ' +
      'nothing pending.',
    `${rounds} round(s), the variants' order rotated each round; the table shows each variant's median run, the ` +
      "ratios are medians of each round's own ratio.",
    ...goals.map((g) => `${g}.`),
  );
  return {
    suite: 'stream-source',
    title: `Stream source: ${fmt(count)} stream entries → lists, laminar-redis against a node-redis consumer loop`,
    rows,
    ratios,
    notes,
  };
}
