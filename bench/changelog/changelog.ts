/**
 * End-to-end suite `changelog`: the sink suite's string table (1,000,000 rows, key `id`, JSON,
 * `EX 3600`) through `createSink` at least once, as an `append` table fed plain rows and as an
 * `upsert` table fed the same number of rows with every fifth one a delete of the row before it
 * (`write(rows, { kinds })`), in the same run, against one private redis-server.
 * Goal (issue "Changelogs: updates and deletes reach Redis"): upsert with 20% deletes ≥ 0.8× the
 * rows/s of append.
 *
 *   for each round:
 *     for each variant (order rotated per round):
 *       FLUSHALL ─▶ fork changelog-worker ─▶ result over IPC ─▶ verify (DBSIZE, sampled keys)
 *   row per variant = its median round by rows/s
 */

import { type BenchRedisServer, startBenchRedisServer } from '../common/bench-redis.js';
import { forkWorker } from '../common/child-process.js';
import { fmt, medianBy, roundTo } from '../common/figures.js';
import { VERIFICATION_FAILED } from '../report.js';
import type { SuiteOptions } from '../run.js';
import { STRING_PREFIX } from '../sink/sink-workload.js';
import type { BenchRow, SuiteResult } from '../types.js';
import {
  keptAfter,
  keysLeft,
  VARIANT_LABEL,
  VARIANTS,
  type Variant,
  type WorkerArgs,
  type WorkerMessage,
  workerArgv,
} from './changelog-workload.js';

const WORKER = new URL('./changelog-worker.js', import.meta.url);

const FULL = { count: 1_000_000, rounds: 3, deadlineMs: 120_000 };
const QUICK = { count: 100_000, rounds: 1, deadlineMs: 30_000 };
/** The sink suite's: batches of BATCH rows, at most INFLIGHT of them unacknowledged. */
const BATCH = 10_000;
const INFLIGHT = 4;
const GOAL = 0.8;
/** Rows whose key is checked after each run (presence, and the TTL of those present). */
const SAMPLED = 50;

const METHOD: Record<Variant, string> = {
  append: 'write(rows): SET key json EX 3600 per row, encoded as rows arrive',
  upsert:
    'write(rows, { kinds }): the same SETs, and DEL key for each delete in its place among the rows (1 row in 5)',
};

interface RunRecord {
  rows: number;
  rowsPerSec: number;
  cpuSeconds: number;
  peakRssMb: number;
  serverCpuSeconds: number;
  commands: number;
  flushes: number;
  failure?: string;
}

/** What Redis must hold after the variant: DBSIZE, and sampled keys present or absent with a TTL. */
async function verify(
  server: BenchRedisServer,
  variant: Variant,
  count: number,
): Promise<string | undefined> {
  const size = Number(await server.cli('DBSIZE'));
  const want = keysLeft(variant, count);
  if (size !== want) return `DBSIZE ${size}, expected ${want}`;
  for (let s = 0; s < SAMPLED; s++) {
    const i = Math.floor((s * (count - 1)) / (SAMPLED - 1));
    const ttl = Number(await server.cli('TTL', `${STRING_PREFIX}${i}`));
    const kept = keptAfter(variant, i, count);
    if (kept && !(ttl > 0)) return `key of row ${i}: TTL ${ttl}, expected a key with a TTL`;
    if (!kept && ttl !== -2) return `key of row ${i}: TTL ${ttl}, expected no key (deleted or never written)`;
  }
  return undefined;
}

async function runVariant(server: BenchRedisServer, args: WorkerArgs): Promise<RunRecord> {
  await server.cli('FLUSHALL');
  const serverCpu0 = await server.cpuSeconds();
  const message = await forkWorker<WorkerMessage>(WORKER, workerArgv(args), args.deadlineMs);
  const serverCpuSeconds = (await server.cpuSeconds()) - serverCpu0;
  const empty = { rows: 0, rowsPerSec: 0, cpuSeconds: 0, peakRssMb: 0, commands: 0, flushes: 0 };
  if (message.kind === 'error')
    return { ...empty, serverCpuSeconds, failure: `client error: ${message.message}` };
  const problems: string[] = [];
  if (message.failure !== undefined) problems.push(`sink failed: ${message.failure}`);
  if (message.deadlineHit) problems.push(`deadline of ${args.deadlineMs} ms hit after ${message.rows} rows`);
  if (message.rowsWritten !== args.count)
    problems.push(`${message.rowsWritten} of ${args.count} rows acknowledged`);
  const stateProblem = await verify(server, args.variant, args.count);
  if (stateProblem !== undefined) problems.push(stateProblem);
  return {
    rows: message.rows,
    rowsPerSec: message.rows / message.seconds,
    cpuSeconds: message.cpuSeconds,
    peakRssMb: message.peakRssMb,
    serverCpuSeconds,
    commands: message.commands,
    flushes: message.flushes,
    ...(problems.length > 0 ? { failure: problems.join('; ') } : {}),
  };
}

export async function runChangelogBench(options: SuiteOptions = {}): Promise<SuiteResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { count, rounds, deadlineMs } = options.quick ? QUICK : FULL;
  const scale = count % 1_000_000 === 0 ? `${count / 1_000_000}M` : `${count / 1000}k`;
  const server = await startBenchRedisServer();
  log(
    `redis-server on ${server.url}; ${count} rows per variant × ${rounds} round(s), batches of ${BATCH}, ${INFLIGHT} in flight`,
  );
  const runs = new Map<Variant, RunRecord[]>();
  try {
    for (let round = 0; round < rounds; round++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
      for (const variant of order) {
        const record = await runVariant(server, {
          variant,
          port: server.port,
          count,
          batch: BATCH,
          inflight: INFLIGHT,
          deadlineMs,
        });
        runs.set(variant, [...(runs.get(variant) ?? []), record]);
        log(
          `  round ${round + 1} ${VARIANT_LABEL[variant]}: ${fmt(record.rowsPerSec)} rows/s, ` +
            `CPU ${record.cpuSeconds.toFixed(2)} s, server CPU ${record.serverCpuSeconds.toFixed(2)} s, ` +
            `RSS ${record.peakRssMb.toFixed(0)} MiB, ${fmt(record.commands)} commands` +
            (record.failure ? `  !!! ${record.failure}` : ''),
        );
      }
    }
  } finally {
    await server.stop();
  }

  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const verified = new Map<Variant, RunRecord>();
  for (const variant of VARIANTS) {
    const all = runs.get(variant) ?? [];
    const failures = all.filter((r) => r.failure !== undefined);
    const median = medianBy(all, (r) => r.rowsPerSec);
    const speeds = all.map((r) => r.rowsPerSec);
    rows.push({
      case: `${scale} rows → string`,
      client: `laminar-redis, ${VARIANT_LABEL[variant]}`,
      opsPerSec: median.rowsPerSec,
      cpuSeconds: median.cpuSeconds,
      peakRssMb: median.peakRssMb,
      extra: {
        method: METHOD[variant],
        ...(rounds > 1 ? { 'rows/s range': `${fmt(Math.min(...speeds))}–${fmt(Math.max(...speeds))}` } : {}),
        'server CPU s': roundTo(median.serverCpuSeconds, 2),
        'CPU µs/row': roundTo((median.cpuSeconds / median.rows) * 1e6, 2),
        commands: median.commands,
        flushes: median.flushes,
        verified:
          failures.length === 0
            ? `DBSIZE ${fmt(keysLeft(variant, count))}; ${SAMPLED} sampled keys present with a TTL or absent`
            : `FAILED: ${failures[0].failure}`,
      },
    });
    if (failures.length > 0) {
      notes.push(
        `${VERIFICATION_FAILED} for ${VARIANT_LABEL[variant]} in ${failures.length} of ${all.length} round(s): ${failures[0].failure}`,
      );
    } else verified.set(variant, median);
  }

  const ratios: SuiteResult['ratios'] = [];
  const base = verified.get('append');
  const upsert = verified.get('upsert');
  let goal = 'no goal check (a variant failed)';
  if (base !== undefined && upsert !== undefined) {
    const ratio = upsert.rowsPerSec / base.rowsPerSec;
    ratios.push(
      { label: 'upsert, 20% deletes / append (rows/s)', value: roundTo(ratio, 3) },
      {
        label: 'upsert, 20% deletes / append (client CPU s)',
        value: roundTo(upsert.cpuSeconds / base.cpuSeconds, 3),
      },
    );
    goal = `upsert with 20% deletes at ${(ratio * 100).toFixed(0)}% of append's rows/s — goal ≥ ${GOAL * 100}% ${ratio >= GOAL ? 'met' : 'NOT met'}`;
  }
  notes.unshift(
    `The sink suite's string table (${count} generated rows, key \`id\`, JSON, EX 3600) through createSink at least ` +
      `once, each variant in its own child process against the same private redis-server (FLUSHALL before each); ` +
      `${BATCH} rows per write() and per flush, maxInFlightRows ${(INFLIGHT - 1) * BATCH}. The upsert variant hands the ` +
      `sink as many rows, every fifth a delete (-D) of the row before it, which sits in the same flush: the SET and ` +
      `then the DEL of one key go out in that order.`,
    `Each row is the variant's median of ${rounds} round(s) by rows/s; variant order rotates per round. CPU s is the ` +
      `client process over the load loop; server CPU s is redis-server's over the whole child run.`,
    `${goal}.`,
  );
  return {
    suite: 'changelog',
    title: `End to end: an upsert changelog with 20% deletes against append, ${scale} rows → string (batches of ${BATCH}, ${INFLIGHT} in flight)`,
    rows,
    ratios,
    notes,
  };
}
