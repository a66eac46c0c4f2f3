/**
 * End-to-end suite: 1,000,000 pipelined `SET key:<i> <100-byte value>` through laminar-redis,
 * ioredis and node-redis, against one private redis-server, each client in its own child process
 * with the same batching; plus redis-benchmark as the server's own limit.
 *
 *   for each round (client order rotated per round):
 *     for each client: FLUSHALL ─▶ fork set-worker ─▶ result over IPC ─▶ DBSIZE == count?
 *     FLUSHALL ─▶ redis-benchmark
 *   row per client = its median round by rows/s
 */

import { startBenchRedisServer } from '../common/bench-redis.js';
import { CHILD_GRACE_MS } from '../common/child-process.js';
import { fmt, medianBy, roundTo } from '../common/figures.js';
import { runRedisBenchmark } from '../common/redis-benchmark.js';
import { VERIFICATION_FAILED } from '../report.js';
import type { SuiteOptions } from '../run.js';
import type { BenchRow, SuiteResult } from '../types.js';
import { type RunRecord, runClient } from './set-run.js';
import { CLIENT_IDS, CLIENT_INFO, type ClientId, KEY_PREFIX, VALUE } from './set-workload.js';

const FULL = { count: 1_000_000, rounds: 3, deadlineMs: 120_000 };
const QUICK = { count: 100_000, rounds: 1, deadlineMs: 30_000 };
/** Same for every client: pipelines of BATCH commands, at most INFLIGHT of them outstanding. */
const BATCH = 10_000;
const INFLIGHT = 4;
type Outcome = { runs: RunRecord[] } | { skipped: string };

export async function runPipelinedSetBench(options: SuiteOptions = {}): Promise<SuiteResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { count, rounds, deadlineMs } = options.quick ? QUICK : FULL;
  const caseName =
    count % 1_000_000 === 0 ? `${count / 1_000_000}M pipelined SET` : `${count / 1000}k pipelined SET`;
  const requestBytes = respRequestBytes(count);

  const server = await startBenchRedisServer();
  log(
    `redis-server on ${server.url}; ${count} SETs × ${rounds} round(s), batches of ${BATCH}, ${INFLIGHT} in flight`,
  );
  const outcomes = new Map<ClientId, Outcome>(CLIENT_IDS.map((id) => [id, { runs: [] }]));
  const reference: { opsPerSec: number; cpuSeconds?: number }[] = [];
  let referenceCommand = '';
  try {
    for (let round = 0; round < rounds; round++) {
      // Rotate the order so no client always runs first (cold server) or last.
      const order = CLIENT_IDS.map((_, i) => CLIENT_IDS[(i + round) % CLIENT_IDS.length]);
      for (const id of order) {
        const outcome = outcomes.get(id)!;
        if ('skipped' in outcome) continue;
        const result = await runClient(server, {
          client: id,
          port: server.port,
          count,
          batch: BATCH,
          inflight: INFLIGHT,
          deadlineMs,
        });
        if ('skipped' in result) {
          outcomes.set(id, result);
          log(`  ${CLIENT_INFO[id].label}: skipped — ${result.skipped}`);
          continue;
        }
        outcome.runs.push(result);
        log(
          `  round ${round + 1} ${CLIENT_INFO[id].label}: ${fmt(result.opsPerSec)} rows/s, ` +
            `CPU ${result.cpuSeconds.toFixed(2)} s, RSS ${result.peakRssMb.toFixed(0)} MiB` +
            (result.failure ? `  !!! ${result.failure}` : ''),
        );
      }
      await server.cli('FLUSHALL');
      const ref = await runRedisBenchmark(server.port, count, deadlineMs + CHILD_GRACE_MS);
      referenceCommand = ref.command;
      reference.push({
        opsPerSec: ref.opsPerSec,
        ...(ref.cpuSeconds === undefined ? {} : { cpuSeconds: ref.cpuSeconds }),
      });
      log(`  round ${round + 1} redis-benchmark: ${fmt(ref.opsPerSec)} rows/s`);
    }
  } finally {
    await server.stop();
  }

  const rows: BenchRow[] = [];
  const notes: string[] = [
    `Each client runs in its own child process against the same private redis-server ` +
      `(FLUSHALL between clients); ${count} SETs in pipelines of ${BATCH}, at most ${INFLIGHT} in flight; ` +
      `value ${VALUE.length} bytes; RESP3 where the client lets us choose.`,
    `Each row is the client's median of ${rounds} round(s) by rows/s; client order rotates per round. ` +
      `MB/s counts RESP request bytes (${(requestBytes / 1e6).toFixed(1)} MB in total). ` +
      `CPU s is the client process over the load loop; "server CPU s" is redis-server's over the same run.`,
  ];
  const verified = new Map<ClientId, number>();
  for (const id of CLIENT_IDS) {
    const info = CLIENT_INFO[id];
    const outcome = outcomes.get(id)!;
    if ('skipped' in outcome) {
      rows.push({ case: caseName, client: info.label, opsPerSec: 0, extra: { note: outcome.skipped } });
      continue;
    }
    const failures = outcome.runs.filter((r) => r.failure !== undefined);
    const median = medianBy(outcome.runs, (r) => r.opsPerSec);
    const speeds = outcome.runs.map((r) => r.opsPerSec);
    rows.push({
      case: caseName,
      client: info.label,
      opsPerSec: median.opsPerSec,
      mbPerSec: (requestBytes / 1e6) * (median.opsPerSec / count),
      cpuSeconds: median.cpuSeconds,
      peakRssMb: median.peakRssMb,
      extra: {
        method: info.method,
        ...(rounds > 1 ? { 'rows/s range': `${fmt(Math.min(...speeds))}–${fmt(Math.max(...speeds))}` } : {}),
        'CPU µs/row': roundTo((median.cpuSeconds / count) * 1e6, 2),
        'server CPU s': roundTo(median.serverCpuSeconds, 2),
        verified: failures.length === 0 ? `DBSIZE ${count}, all OK` : `FAILED: ${failures[0].failure}`,
      },
    });
    if (failures.length > 0) {
      notes.push(
        `${VERIFICATION_FAILED} for ${info.label} in ${failures.length} of ${outcome.runs.length} round(s): ${failures[0].failure}`,
      );
    } else {
      verified.set(id, median.opsPerSec);
    }
  }
  const ref = reference.length > 0 ? medianBy(reference, (r) => r.opsPerSec) : undefined;
  if (ref !== undefined) {
    rows.push({
      case: caseName,
      client: 'redis-benchmark',
      opsPerSec: ref.opsPerSec,
      mbPerSec: (requestBytes / 1e6) * (ref.opsPerSec / count),
      ...(ref.cpuSeconds === undefined ? {} : { cpuSeconds: ref.cpuSeconds }),
      extra: { method: `${referenceCommand.replace(/ -h \S+ -p \d+/, '')}: the server's own limit here` },
    });
  }
  noteFastestNodeRedis(notes, verified);
  return {
    suite: 'pipelined-set',
    title: `End to end: ${caseName} (batches of ${BATCH}, ${INFLIGHT} in flight)`,
    rows,
    ratios: ratios(verified, rows, ref?.opsPerSec, notes),
    notes,
  };
}

/**
 * Ratios with stable labels (the first is `laminar-redis / fastest peer`, as bench/types.ts shows);
 * which peer was fastest or leanest goes into the notes. Only verified runs count.
 */
function ratios(
  verified: Map<ClientId, number>,
  rows: BenchRow[],
  referenceOps: number | undefined,
  notes: string[],
): SuiteResult['ratios'] {
  const out: SuiteResult['ratios'] = [];
  const add = (label: string, value: number) => out.push({ label, value: roundTo(value, 3) });
  const ops = (id: ClientId) => verified.get(id)!;
  const cpu = (id: ClientId) => rows.find((r) => r.client === CLIENT_INFO[id].label)!.cpuSeconds!;
  const peers = CLIENT_IDS.filter((id) => CLIENT_INFO[id].peer && verified.has(id));
  const ours = verified.has('laminar-redis') ? 'laminar-redis' : undefined;
  if (peers.length > 0) {
    const fastest = peers.reduce((a, id) => (ops(id) > ops(a) ? id : a));
    const leanest = peers.reduce((a, id) => (cpu(id) < cpu(a) ? id : a));
    notes.push(
      `Fastest peer: ${CLIENT_INFO[fastest].label}; leanest peer (least client CPU): ${CLIENT_INFO[leanest].label}.`,
    );
    if (ours !== undefined) {
      add('laminar-redis / fastest peer', ops(ours) / ops(fastest));
      for (const id of peers) add(`laminar-redis / ${CLIENT_INFO[id].label}`, ops(ours) / ops(id));
      add('laminar-redis CPU s / leanest peer CPU s', cpu(ours) / cpu(leanest));
    }
    if (referenceOps !== undefined) add('fastest peer / redis-benchmark', ops(fastest) / referenceOps);
  }
  if (ours !== undefined && referenceOps !== undefined) {
    add('laminar-redis / redis-benchmark', ops(ours) / referenceOps);
  }
  if (ours === undefined)
    notes.push('No laminar-redis ratios: laminar-redis was not measured (see its row).');
  return out;
}

function noteFastestNodeRedis(notes: string[], verified: Map<ClientId, number>): void {
  const a = verified.get('node-redis-pipeline');
  const b = verified.get('node-redis-concurrent');
  if (a === undefined || b === undefined) return;
  const [fast, slow, x] =
    a >= b
      ? ['multi().execAsPipeline()', 'concurrent set()', a / b]
      : ['concurrent set()', 'multi().execAsPipeline()', b / a];
  notes.push(
    `node-redis: ${fast} was the faster way to pipeline here (${x.toFixed(2)}× ${slow}); both are shown, the faster counts as its peer figure.`,
  );
}

/** Bytes of `*3 $3 SET $n key:<i> $100 <value>` for i in 0..count-1, as RESP puts them on the wire. */
function respRequestBytes(count: number): number {
  const bulk = (len: number) => 1 + String(len).length + 2 + len + 2; // $<len>\r\n<data>\r\n
  let total = 0;
  for (let i = 0; i < count; i++)
    total += 4 /* *3\r\n */ + bulk(3) + bulk(KEY_PREFIX.length + String(i).length) + bulk(VALUE.length);
  return total;
}
