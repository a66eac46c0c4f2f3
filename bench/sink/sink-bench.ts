/**
 * End-to-end suite `sink`: 1,000,000 generated rows per table type (string, list, hash; JSON
 * format) through `createSink`, against the same rows hand-pipelined with ioredis and node-redis,
 * each client in its own child process against one private redis-server; plus redis-benchmark
 * sending the same command as the server's own limit.
 *
 *   for each round:
 *     for each table type (string, list, hash):
 *       for each client (order rotated per round):
 *         FLUSHALL ─▶ fork sink-worker ─▶ result over IPC ─▶ verify Redis state (sink-verify.ts)
 *       for each reference: FLUSHALL ─▶ redis-benchmark
 *   row per (type, client) = its median round by rows/s
 */

import { startBenchRedisServer } from '../common/bench-redis.js';
import { CHILD_GRACE_MS } from '../common/child-process.js';
import { fmt, medianBy, roundTo } from '../common/figures.js';
import { VERIFICATION_FAILED } from '../report.js';
import type { SuiteOptions } from '../run.js';
import type { BenchRow, SuiteResult } from '../types.js';
import { type ReferenceResult, referenceSpecs, runReference } from './sink-reference.js';
import { runSinkClient, type SinkRunRecord } from './sink-run.js';
import { verifiedText } from './sink-verify.js';
import { CLIENT_IDS, CLIENT_INFO, type ClientId, TABLE_TYPES, type TableType } from './sink-workload.js';

const FULL = { count: 1_000_000, rounds: 3, deadlineMs: 120_000 };
const QUICK = { count: 100_000, rounds: 1, deadlineMs: 30_000 };
/** Same for every client: batches of BATCH rows, at most INFLIGHT of them unacknowledged. */
const BATCH = 10_000;
const INFLIGHT = 4;
/** The project's goals: ≥ 2× the fastest peer, ≥ 50% of redis-benchmark's same command. */
const GOAL_PEER = 2;
const GOAL_REFERENCE = 0.5;

const METHOD: Record<ClientId, Record<TableType, string>> = {
  'laminar-redis': {
    string: 'createSink + write(10k rows) ×100 + flush(): SET … EX 3600 per row',
    list: 'createSink + write(10k rows) ×100 + flush(): one variadic RPUSH + one LTRIM per key per flush',
    hash: 'createSink + write(10k rows) ×100 + flush(): one multi-field HSET per key per flush',
  },
  ioredis: {
    string: "redis.pipeline([['set', k, json, 'EX', 3600], …]).exec()",
    list: "redis.pipeline([['rpush', k, json] per row, ['ltrim', k, -1000, -1] per key]).exec()",
    hash: "redis.pipeline([['hset', k, field, json], …]).exec()",
  },
  'ioredis-grouped': {
    string: '—',
    list: "redis.pipeline([['rpush', k, json, json, …], ['ltrim', …] per key]).exec()",
    hash: "redis.pipeline([['hset', k, f, json, f, json, …] per key]).exec()",
  },
  'node-redis': {
    string: 'multi().set(k, json, { expiration: EX 3600 })….execAsPipeline()',
    list: 'multi().rPush(k, json)… per row, .lTrim(k, -1000, -1) per key, .execAsPipeline()',
    hash: 'multi().hSet(k, field, json)….execAsPipeline()',
  },
  'node-redis-grouped': {
    string: '—',
    list: 'multi().rPush(k, [json, …]) + .lTrim(…) per key, .execAsPipeline()',
    hash: 'multi().hSet(k, [f, json, …]) per key, .execAsPipeline()',
  },
};

const clientsFor = (type: TableType) =>
  CLIENT_IDS.filter((id) => type !== 'string' || CLIENT_INFO[id].strings);

export async function runSinkBench(options: SuiteOptions = {}): Promise<SuiteResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { count, rounds, deadlineMs } = options.quick ? QUICK : FULL;
  const scale = count % 1_000_000 === 0 ? `${count / 1_000_000}M` : `${count / 1000}k`;

  const server = await startBenchRedisServer();
  log(
    `redis-server on ${server.url}; ${count} rows per table type × ${rounds} round(s), batches of ${BATCH}, ${INFLIGHT} in flight`,
  );
  const runs = new Map<string, SinkRunRecord[]>();
  const references = new Map<string, { label: string; goal?: true; results: ReferenceResult[] }[]>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const type of TABLE_TYPES) {
        const ids = clientsFor(type);
        const order = ids.map((_, i) => ids[(i + round) % ids.length]);
        for (const id of order) {
          const record = await runSinkClient(server, {
            client: id,
            type,
            port: server.port,
            count,
            batch: BATCH,
            inflight: INFLIGHT,
            deadlineMs,
          });
          const k = `${type}/${id}`;
          runs.set(k, [...(runs.get(k) ?? []), record]);
          log(
            `  round ${round + 1} ${type} ${CLIENT_INFO[id].label}: ${fmt(record.rowsPerSec)} rows/s, ` +
              `CPU ${record.cpuSeconds.toFixed(2)} s, RSS ${record.peakRssMb.toFixed(0)} MiB, ` +
              `${fmt(record.commands)} commands` +
              (record.failure ? `  !!! ${record.failure}` : ''),
          );
        }
        const specs = referenceSpecs(type, count);
        const slots =
          references.get(type) ?? specs.map((s) => ({ label: s.label, goal: s.goal, results: [] }));
        references.set(type, slots);
        for (let s = 0; s < specs.length; s++) {
          await server.cli('FLUSHALL');
          const ref = await runReference(server.port, specs[s], deadlineMs + CHILD_GRACE_MS);
          slots[s].results.push(ref);
          log(`  round ${round + 1} ${type} redis-benchmark ${specs[s].label}: ${fmt(ref.opsPerSec)} ops/s`);
        }
      }
    }
  } finally {
    await server.stop();
  }

  const rows: BenchRow[] = [];
  const ratios: SuiteResult['ratios'] = [];
  const addRatio = (label: string, value: number) => ratios.push({ label, value: roundTo(value, 3) });
  const goals: string[] = [];
  const notes: string[] = [];
  for (const type of TABLE_TYPES) {
    const caseName = `${scale} rows → ${type}`;
    const verified = new Map<ClientId, SinkRunRecord>();
    for (const id of clientsFor(type)) {
      const info = CLIENT_INFO[id];
      const all = runs.get(`${type}/${id}`) ?? [];
      const failures = all.filter((r) => r.failure !== undefined);
      const median = medianBy(all, (r) => r.rowsPerSec);
      const speeds = all.map((r) => r.rowsPerSec);
      rows.push({
        case: caseName,
        client: info.label,
        opsPerSec: median.rowsPerSec,
        cpuSeconds: median.cpuSeconds,
        peakRssMb: median.peakRssMb,
        extra: {
          method: METHOD[id][type],
          commands: median.commands,
          ...(rounds > 1
            ? { 'rows/s range': `${fmt(Math.min(...speeds))}–${fmt(Math.max(...speeds))}` }
            : {}),
          'CPU µs/row': roundTo((median.cpuSeconds / count) * 1e6, 2),
          'server CPU s': roundTo(median.serverCpuSeconds, 2),
          verified: failures.length === 0 ? verifiedText(type, count) : `FAILED: ${failures[0].failure}`,
        },
      });
      if (failures.length > 0) {
        notes.push(
          `${VERIFICATION_FAILED} for ${info.label} on the ${type} table in ${failures.length} of ${all.length} round(s): ${failures[0].failure}`,
        );
      } else {
        verified.set(id, median);
      }
    }
    let refBest: { label: string; opsPerSec: number } | undefined;
    let refGoal: { label: string; opsPerSec: number } | undefined;
    for (const slot of references.get(type) ?? []) {
      const ref = medianBy(slot.results, (r) => r.opsPerSec);
      rows.push({
        case: caseName,
        client: `redis-benchmark (${slot.label})`,
        opsPerSec: ref.opsPerSec,
        ...(ref.cpuSeconds === undefined ? {} : { cpuSeconds: ref.cpuSeconds }),
        extra: {
          method: ref.command,
          note: 'commands/s, not rows/s: the server’s own limit for one command',
        },
      });
      if (refBest === undefined || ref.opsPerSec > refBest.opsPerSec)
        refBest = { label: slot.label, opsPerSec: ref.opsPerSec };
      if (slot.goal) refGoal = { label: slot.label, opsPerSec: ref.opsPerSec };
    }

    const ours = verified.get('laminar-redis');
    const peers = [...verified.keys()].filter((id) => CLIENT_INFO[id].peer);
    if (ours === undefined || peers.length === 0) {
      goals.push(`${type}: no goal check (laminar-redis or every peer failed or was not measured).`);
      continue;
    }
    const ops = (id: ClientId) => verified.get(id)!.rowsPerSec;
    const cpu = (id: ClientId) => verified.get(id)!.cpuSeconds;
    const fastest = peers.reduce((a, id) => (ops(id) > ops(a) ? id : a));
    const leanest = peers.reduce((a, id) => (cpu(id) < cpu(a) ? id : a));
    const vsPeer = ours.rowsPerSec / ops(fastest);
    addRatio(`${type}: laminar-redis / fastest peer`, vsPeer);
    addRatio(`${type}: laminar-redis CPU s / leanest peer CPU s`, ours.cpuSeconds / cpu(leanest));
    let goalText = `${type}: ${vsPeer.toFixed(2)}× the fastest peer (${CLIENT_INFO[fastest].label}) — goal ≥ ${GOAL_PEER}× ${vsPeer >= GOAL_PEER ? 'met' : 'NOT met'}`;
    if (refGoal !== undefined) {
      const vsGoal = ours.rowsPerSec / refGoal.opsPerSec;
      addRatio(`${type}: laminar-redis rows/s / redis-benchmark ops/s (same command, -r 1000000)`, vsGoal);
      goalText += `; ${(vsGoal * 100).toFixed(0)}% of redis-benchmark for the same command (${refGoal.label}) — goal ≥ ${GOAL_REFERENCE * 100}% ${vsGoal >= GOAL_REFERENCE ? 'met' : 'NOT met'}`;
    }
    if (refBest !== undefined) {
      const vsRef = ours.rowsPerSec / refBest.opsPerSec;
      addRatio(`${type}: laminar-redis rows/s / redis-benchmark ops/s (faster reference)`, vsRef);
      addRatio(
        `${type}: fastest peer / redis-benchmark (faster reference)`,
        ops(fastest) / refBest.opsPerSec,
      );
      goalText += ` (${(vsRef * 100).toFixed(0)}% of the faster reference, ${refBest.label})`;
    }
    goals.push(`${goalText}. Leanest peer: ${CLIENT_INFO[leanest].label}.`);
  }
  notes.unshift(
    `Each client runs in its own child process against the same private redis-server (FLUSHALL before each); ` +
      `${count} generated rows per table type ({ id, user, score, ts, page }, 100–112 bytes of JSON), ` +
      `${BATCH} rows per batch, at most ${INFLIGHT} batches unacknowledged; every client JSON-encodes the rows itself ` +
      `(laminar-redis: the sink's encoder; peers: JSON.stringify(row)); RESP3.`,
    `Each row is the client's median of ${rounds} round(s) by rows/s; client order rotates per round. ` +
      `CPU s is the client process over the load loop (rows generated in the loop, the same for all); ` +
      `"server CPU s" is redis-server's over the same run. laminar-redis groups a flush's pushes and HSETs per key ` +
      `into variadic commands by design; "grouped per key" peers do the same by hand, "per row" peers send one command per row.`,
    `redis-benchmark rows are commands/s of one command with a 111-byte row as value, keyspace shaped like the table ` +
      `and as the goal states it (-r 1000000, the sink's own command): the goal is checked against the latter, the ratio to the faster of the two is shown beside it. A variadic command carries ~10 rows, ` +
      `so for lists and hashes laminar-redis's rows/s can exceed redis-benchmark's commands/s.`,
    ...goals,
  );
  return {
    suite: 'sink',
    title: `End to end: the Redis sink, ${scale} rows per table type (batches of ${BATCH}, ${INFLIGHT} in flight)`,
    rows,
    ratios,
    notes,
  };
}
