/**
 * End-to-end suite `exactly-once`: the sink suite's list table (1,000,000 rows, ~1,000 lists,
 * Append, maxLength 1000, JSON) written through `createSink` with at-least-once delivery and with
 * exactly-once delivery (the fence script), in the same run, against one private redis-server.
 * Goal (issue "Exactly-once list throughput"): exactly-once ≥ 60% of at-least-once rows/s.
 *
 *   for each round:
 *     for each variant (order rotated per round):
 *       FLUSHALL ─▶ fork exactly-once-worker ─▶ result over IPC ─▶ verify (exactly-once-verify.ts)
 *   row per variant = its median round by rows/s
 */

import { type BenchRedisServer, startBenchRedisServer } from '../common/bench-redis.js';
import { forkWorker } from '../common/child-process.js';
import { fmt, medianBy, roundTo } from '../common/figures.js';
import { VERIFICATION_FAILED } from '../report.js';
import type { SuiteOptions } from '../run.js';
import type { BenchRow, SuiteResult } from '../types.js';
import { verifiedText, verifyExactlyOnceState } from './exactly-once-verify.js';
import {
  replayedRows,
  VARIANT_INFO,
  VARIANTS,
  type Variant,
  type WorkerArgs,
  type WorkerMessage,
  workerArgv,
} from './exactly-once-workload.js';

const WORKER = new URL('./exactly-once-worker.js', import.meta.url);

const FULL = { count: 1_000_000, rounds: 3, deadlineMs: 120_000 };
const QUICK = { count: 100_000, rounds: 1, deadlineMs: 30_000 };
/** The sink suite's: batches of BATCH rows, at most INFLIGHT of them unacknowledged. */
const BATCH = 10_000;
const INFLIGHT = 4;
const GOAL = 0.6;

const METHOD: Record<Variant, string> = {
  'at-least-once': 'write(rows): ~1,000 variadic RPUSH + ~1,000 LTRIM per flush, flushes pipelined',
  'exactly-once':
    "write(rows, { partition: 'p0', offsets }): one EVALSHA per flush (every slot's fences in one call), flushes in flight together",
  'exactly-once-4':
    'write(rows, { partition: [p(i % 4)], offsets: [⌊i / 4⌋] }): as above, 4 partitions per call',
  replay: 'as 4 partitions, rows [0, 10%) written twice (the second time all skipped by the fence)',
};

interface RunRecord {
  rows: number;
  rowsPerSec: number;
  cpuSeconds: number;
  peakRssMb: number;
  serverCpuSeconds: number;
  commands: number;
  flushes: number;
  rowsDuplicate: number;
  scriptReloads: number;
  failure?: string;
}

async function runVariant(server: BenchRedisServer, args: WorkerArgs): Promise<RunRecord> {
  await server.cli('FLUSHALL');
  const serverCpu0 = await server.cpuSeconds();
  const message = await forkWorker<WorkerMessage>(WORKER, workerArgv(args), args.deadlineMs);
  const serverCpuSeconds = (await server.cpuSeconds()) - serverCpu0;
  const empty = { rows: 0, rowsPerSec: 0, cpuSeconds: 0, peakRssMb: 0, commands: 0, flushes: 0 };
  if (message.kind === 'error') {
    return {
      ...empty,
      serverCpuSeconds,
      rowsDuplicate: 0,
      scriptReloads: 0,
      failure: `client error: ${message.message}`,
    };
  }
  const handed = args.count + (args.variant === 'replay' ? replayedRows(args.count) : 0);
  const duplicates = args.variant === 'replay' ? replayedRows(args.count) : 0;
  const problems: string[] = [];
  if (message.failure !== undefined) problems.push(`sink failed: ${message.failure}`);
  if (message.deadlineHit) problems.push(`deadline of ${args.deadlineMs} ms hit after ${message.rows} rows`);
  if (message.rowsWritten !== handed) problems.push(`${message.rowsWritten} of ${handed} rows acknowledged`);
  if (message.rowsDuplicate !== duplicates)
    problems.push(`rowsDuplicate ${message.rowsDuplicate}, expected ${duplicates}`);
  const stateProblem = await verifyExactlyOnceState(server, args.variant, args.count);
  if (stateProblem !== undefined) problems.push(stateProblem);
  return {
    rows: message.rows,
    rowsPerSec: message.rows / message.seconds,
    cpuSeconds: message.cpuSeconds,
    peakRssMb: message.peakRssMb,
    serverCpuSeconds,
    commands: message.commands,
    flushes: message.flushes,
    rowsDuplicate: message.rowsDuplicate,
    scriptReloads: message.scriptReloads,
    ...(problems.length > 0 ? { failure: problems.join('; ') } : {}),
  };
}

export async function runExactlyOnceBench(options: SuiteOptions = {}): Promise<SuiteResult> {
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
          `  round ${round + 1} ${VARIANT_INFO[variant].label}: ${fmt(record.rowsPerSec)} rows/s, ` +
            `CPU ${record.cpuSeconds.toFixed(2)} s, server CPU ${record.serverCpuSeconds.toFixed(2)} s, ` +
            `RSS ${record.peakRssMb.toFixed(0)} MiB, ${fmt(record.commands)} commands` +
            (record.rowsDuplicate > 0 ? `, ${fmt(record.rowsDuplicate)} duplicates` : '') +
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
      case: `${scale} rows → list`,
      client: `laminar-redis, ${VARIANT_INFO[variant].label}`,
      opsPerSec: median.rowsPerSec,
      cpuSeconds: median.cpuSeconds,
      peakRssMb: median.peakRssMb,
      extra: {
        method: METHOD[variant],
        ...(rounds > 1 ? { 'rows/s range': `${fmt(Math.min(...speeds))}–${fmt(Math.max(...speeds))}` } : {}),
        'server CPU s': roundTo(median.serverCpuSeconds, 2),
        'CPU µs/row': roundTo((median.cpuSeconds / median.rows) * 1e6, 2),
        'server CPU µs/row': roundTo((median.serverCpuSeconds / median.rows) * 1e6, 2),
        commands: median.commands,
        flushes: median.flushes,
        ...(variant === 'replay' ? { rowsDuplicate: median.rowsDuplicate } : {}),
        verified: failures.length === 0 ? verifiedText(variant, count) : `FAILED: ${failures[0].failure}`,
      },
    });
    if (failures.length > 0) {
      notes.push(
        `${VERIFICATION_FAILED} for ${VARIANT_INFO[variant].label} in ${failures.length} of ${all.length} round(s): ${failures[0].failure}`,
      );
    } else {
      verified.set(variant, median);
    }
  }

  const ratios: SuiteResult['ratios'] = [];
  const base = verified.get('at-least-once');
  let goal = 'no goal check (at-least-once or exactly-once failed)';
  if (base !== undefined) {
    for (const variant of VARIANTS.filter((v) => v !== 'at-least-once')) {
      const r = verified.get(variant);
      if (r === undefined) continue;
      const label = VARIANT_INFO[variant].label;
      ratios.push({
        label: `${label} / at-least-once (rows/s)`,
        value: roundTo(r.rowsPerSec / base.rowsPerSec, 3),
      });
      if (variant === 'exactly-once') {
        ratios.push(
          {
            label: `${label} / at-least-once (client CPU s)`,
            value: roundTo(r.cpuSeconds / base.cpuSeconds, 3),
          },
          {
            label: `${label} / at-least-once (server CPU s)`,
            value: roundTo(r.serverCpuSeconds / base.serverCpuSeconds, 3),
          },
        );
        const ratio = r.rowsPerSec / base.rowsPerSec;
        goal = `exactly-once (1 partition) at ${(ratio * 100).toFixed(0)}% of at-least-once — goal ≥ ${GOAL * 100}% ${ratio >= GOAL ? 'met' : 'NOT met'}`;
      }
    }
  }
  notes.unshift(
    `The sink suite's list table (${count} generated rows, ~1,000 lists, Append, maxLength 1000, JSON) through ` +
      `createSink, each variant in its own child process against the same private redis-server (FLUSHALL before each); ` +
      `${BATCH} rows per write() and per flush, maxInFlightRows ${(INFLIGHT - 1) * BATCH} (at most ${INFLIGHT} flushes unacknowledged). ` +
      `Exactly-once flushes are in flight together (each fence script call refuses a gap an earlier call left; on standalone Redis).`,
    `Each row is the variant's median of ${rounds} round(s) by rows/s; variant order rotates per round. CPU s is the ` +
      `client process over the load loop; server CPU s is redis-server's over the whole child run. rows/s of the replay ` +
      `variant counts every row handed to write(), the ${fmt(replayedRows(count))} replayed ones included.`,
    `Verified after every run: the fences (one hash per slot, generation and highest offset per partition), then the ` +
      `lists as in the sink suite (DBSIZE, LLEN, first/last element) and each list's whole contents by SHA-1: ` +
      `exactly-once leaves the same lists as at-least-once, and the replay adds no duplicate.`,
    `${goal}.`,
  );
  return {
    suite: 'exactly-once',
    title: `End to end: exactly-once against at-least-once, ${scale} rows → list (batches of ${BATCH}, ${INFLIGHT} in flight)`,
    rows,
    ratios,
    notes,
  };
}
