/**
 * End-to-end suite `distributed`: the same 1,000,000 rows (string table, 100k keys, SET … EX,
 * at-least-once) written once through `createSink` in a client process (the embedded sink) and
 * once through a `Producer` into a coordinator + 1, 2 and 4 worker processes, against one private
 * redis-server, in the same run. Goal to report (not assert): 1 worker ≥ 70% of the embedded
 * sink's rows/s.
 *
 *   for each round:
 *     for each variant (order rotated per round):
 *       FLUSHALL ─▶ [coordinator + N workers, profile + table via HTTP, every shard placed]
 *                ─▶ fork client(s), start together ─▶ first write … flush() resolved
 *                ─▶ verify Redis (distributed-verify.ts) ─▶ stop the runtime
 *   row per variant = its median round by rows/s
 *
 * `measureDistributed(config)` takes every knob, for experiments beyond the committed settings.
 */
import { loadavg } from 'node:os';
import type { RowEncodingName } from '../../src/wire/row-batch-codec.js';
import { type BenchRedisServer, startBenchRedisServer } from '../common/bench-redis.js';
import { fmt, medianBy, roundTo } from '../common/figures.js';
import { VERIFICATION_FAILED } from '../report.js';
import type { SuiteOptions } from '../run.js';
import type { BenchRow, SuiteResult } from '../types.js';
import { type ClientsOutcome, runClients } from './distributed-run.js';
import { createTable, startRuntimeUnderTest } from './distributed-runtime.js';
import { verifiedText, verifyDistributedState } from './distributed-verify.js';
import { type ClientArgs, profileBody, SESSIONS, tableBody } from './distributed-workload.js';

/** One measured setup: the embedded sink (`workers: 0`), or a runtime with N workers. */
export interface Variant {
  workers: number;
  /** Shards of the table (distributed). */
  shards?: number;
  /** Producer row encoding (distributed). Default keyed (the producer's default). */
  encoding?: RowEncodingName;
  /**
   * `redis`: the coordinator keeps its state (metadata, table checkpoints) in a Redis state store,
   * database 1 of the same redis-server. Default: its data directory.
   */
  state?: 'redis';
}

/** Every setting of a run of the suite. */
export interface DistributedConfig {
  count: number;
  rounds: number;
  deadlineMs: number;
  variants: Variant[];
  /** Rows per `write()` call, both paths. */
  chunk: number;
  /** Table `batchSize` (rows per pipeline flush of a sink, both paths). */
  tableBatch: number;
  /** Embedded sink: maxInFlightRows. */
  sinkWindow: number;
  /** Producer processes (each writes the keys ≡ its index mod this count). */
  producers: number;
  /** Producer batchRows and maxUnackedRows. */
  batchRows: number;
  producerWindow: number;
  /** Coordinator `--checkpoint-interval`. */
  checkpointMs: number;
  /** Node flags of every process but the harness, e.g. `['--cpu-prof']`. Default none. */
  nodeArgs?: readonly string[];
}

const EMBEDDED: Variant = { workers: 0 };
const BEST_ONE: Variant = { workers: 1, shards: 1 };
const SHARDED = (workers: number): Variant => ({ workers, shards: 4 });
const JSON_ROWS: Variant = { workers: 1, shards: 1, encoding: 'json' };
const V8: Variant = { workers: 1, shards: 1, encoding: 'v8' };
/** The same as SHARDED(1), with `--state redis://…`. */
export const REDIS_STATE: Variant = { workers: 1, shards: 4, state: 'redis' };

const FULL: DistributedConfig = {
  count: 1_000_000,
  rounds: 3,
  deadlineMs: 120_000,
  variants: [EMBEDDED, BEST_ONE, SHARDED(1), SHARDED(2), SHARDED(4), JSON_ROWS, V8, REDIS_STATE],
  chunk: 10_000,
  tableBatch: 1_000,
  sinkWindow: 30_000,
  producers: 1,
  batchRows: 5_000,
  producerWindow: 200_000,
  checkpointMs: 250,
};
const QUICK: DistributedConfig = { ...FULL, count: 100_000, rounds: 1, deadlineMs: 30_000 };
const GOAL = 0.7;
/** The Redis state store keeps ≥ 95% of the local directory's rows/s. */
const STATE_GOAL = 0.95;

interface RunRecord extends ClientsOutcome {
  rowsPerSec: number;
  serverCpuSeconds: number;
  workerCpuSeconds: number;
  coordinatorCpuSeconds: number;
}

const keyOf = (v: Variant) => `${v.workers}/${v.shards ?? 0}/${v.encoding ?? 'keyed'}/${v.state ?? 'dir'}`;

function label(v: Variant): string {
  if (v.workers === 0) return 'embedded sink (createSink)';
  const s = (n: number, one: string) => `${n} ${one}${n > 1 ? 's' : ''}`;
  return `distributed, ${s(v.workers, 'worker')}, ${s(v.shards ?? 1, 'shard')}${v.encoding !== undefined && v.encoding !== 'keyed' ? `, ${v.encoding} rows` : ''}${v.state === 'redis' ? ', Redis state store' : ''}`;
}

export function runDistributedBench(options: SuiteOptions = {}): Promise<SuiteResult> {
  return measureDistributed(options.quick ? QUICK : FULL, options.log);
}

export async function measureDistributed(
  config: DistributedConfig,
  log: (line: string) => void = (line) => console.log(line),
): Promise<SuiteResult> {
  const c = config;
  const scale = c.count % 1_000_000 === 0 ? `${c.count / 1_000_000}M` : `${c.count / 1000}k`;
  const load0 = loadavg();
  const server = await startBenchRedisServer();
  log(
    `redis-server on ${server.url}; ${c.count} rows × ${c.rounds} round(s); checkpoint every ` +
      `${c.checkpointMs} ms, ${c.producers} producer process(es), batchRows ${c.batchRows}`,
  );
  const runs = new Map<string, RunRecord[]>();
  try {
    for (let round = 0; round < c.rounds; round++) {
      const order = c.variants.map((_, i) => c.variants[(i + round) % c.variants.length]);
      for (const v of order) {
        const r = await runVariant(server, c, v);
        runs.set(keyOf(v), [...(runs.get(keyOf(v)) ?? []), r]);
        log(
          `  round ${round + 1} ${label(v)}: ${fmt(r.rowsPerSec)} rows/s; CPU s client ${r.cpuSeconds.toFixed(2)}` +
            (v.workers > 0
              ? `, workers ${r.workerCpuSeconds.toFixed(2)}, coordinator ${r.coordinatorCpuSeconds.toFixed(2)}`
              : '') +
            `, redis ${r.serverCpuSeconds.toFixed(2)}; final flush ${Math.round(r.flushMs)} ms` +
            (r.failure ? `  !!! ${r.failure}` : ''),
        );
      }
    }
  } finally {
    await server.stop();
  }
  const load1 = loadavg();

  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const median = new Map<string, RunRecord>();
  for (const v of c.variants) {
    const all = runs.get(keyOf(v)) ?? [];
    const failed = all.filter((r) => r.failure !== undefined);
    const m = medianBy(all, (r) => r.rowsPerSec);
    const speeds = all.map((r) => r.rowsPerSec);
    if (failed.length > 0) {
      notes.push(
        `${VERIFICATION_FAILED} for ${label(v)} in ${failed.length} of ${all.length} round(s): ${failed[0].failure}`,
      );
    } else {
      median.set(keyOf(v), m);
    }
    const allCpu = m.cpuSeconds + m.workerCpuSeconds + m.coordinatorCpuSeconds + m.serverCpuSeconds;
    rows.push({
      case: `${scale} rows → string table (SET … EX), ${fmt(Math.min(SESSIONS, c.count))} keys`,
      client: label(v),
      opsPerSec: m.rowsPerSec,
      cpuSeconds: m.cpuSeconds,
      peakRssMb: m.peakRssMb,
      extra: {
        method:
          v.workers === 0
            ? `createSink; write(${fmt(c.chunk)} rows) … flush(); maxInFlightRows ${fmt(c.sinkWindow)}`
            : `Producer ×${c.producers} (${v.encoding ?? 'keyed'}) → ${v.workers} worker process(es); write(${fmt(c.chunk)} rows) … flush() acknowledged`,
        ...(c.rounds > 1
          ? { 'rows/s range': `${fmt(Math.min(...speeds))}–${fmt(Math.max(...speeds))}` }
          : {}),
        ...(v.workers > 0
          ? {
              'worker CPU s': roundTo(m.workerCpuSeconds, 2),
              'coordinator CPU s': roundTo(m.coordinatorCpuSeconds, 2),
            }
          : {}),
        'server CPU s': roundTo(m.serverCpuSeconds, 2),
        'final flush ms': Math.round(m.flushMs),
        'CPU µs/row, all processes': roundTo((allCpu / c.count) * 1e6, 2),
        verified: failed.length === 0 ? verifiedText(c.count) : `FAILED: ${failed[0].failure}`,
      },
    });
  }

  const ratios: SuiteResult['ratios'] = [];
  const rate = (v: Variant) => median.get(keyOf(v))?.rowsPerSec;
  const ratio = (text: string, a: number | undefined, b: number | undefined) => {
    if (a !== undefined && b !== undefined) ratios.push({ label: text, value: roundTo(a / b, 3) });
  };
  ratio('distributed 1 worker (1 shard) / embedded sink', rate(BEST_ONE), rate(EMBEDDED));
  ratio('distributed 1 worker (4 shards) / embedded sink', rate(SHARDED(1)), rate(EMBEDDED));
  ratio('distributed 2 workers / 1 worker (4 shards)', rate(SHARDED(2)), rate(SHARDED(1)));
  ratio('distributed 4 workers / 1 worker (4 shards)', rate(SHARDED(4)), rate(SHARDED(1)));
  ratio('JSON rows / keyed rows (1 worker, 1 shard)', rate(JSON_ROWS), rate(BEST_ONE));
  ratio('v8 rows / keyed rows (1 worker, 1 shard)', rate(V8), rate(BEST_ONE));
  ratio('Redis state store / data directory (1 worker, 4 shards)', rate(REDIS_STATE), rate(SHARDED(1)));
  const redisState = rate(REDIS_STATE);
  const dirState = rate(SHARDED(1));
  if (redisState !== undefined && dirState !== undefined) {
    notes.push(
      `Goal: the Redis state store at ${((redisState / dirState) * 100).toFixed(0)}% of the data directory's rows/s — ≥ ${STATE_GOAL * 100}% ${redisState / dirState >= STATE_GOAL ? 'met' : 'NOT met'}.`,
    );
  }
  const one = rate(BEST_ONE);
  const embedded = rate(EMBEDDED);
  const goal =
    one === undefined || embedded === undefined
      ? 'Goal not checked (a variant failed or was not measured).'
      : `Goal: distributed with 1 worker at ${((one / embedded) * 100).toFixed(0)}% of the embedded sink's rows/s — ≥ ${GOAL * 100}% ${one / embedded >= GOAL ? 'met' : 'NOT met'}.`;
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join('/');
  notes.unshift(
    `${c.count} generated rows ({ session, user, score, ts, page }, ~105 bytes of JSON, key sess:<i % ${SESSIONS}>), ` +
      `string table SET … EX 3600, at-least-once, batchSize ${c.tableBatch}, one private redis-server (FLUSHALL before each run). ` +
      `Both paths run in client process(es) forked by the harness, write ${fmt(c.chunk)} rows per call and are timed from the first write to flush() resolving.`,
    `Embedded: createSink with maxInFlightRows ${fmt(c.sinkWindow)}; flush() = every row acknowledged by Redis. ` +
      `Distributed: laminar-redis coordinator (--checkpoint-interval ${c.checkpointMs}) and N worker processes from the compiled CLI, ` +
      `table created over the HTTP API, every shard placed before the clock starts; ${c.producers} Producer process(es), ` +
      `batchRows ${fmt(c.batchRows)}, maxUnackedRows ${fmt(c.producerWindow)}; flush() = every row covered by a recorded checkpoint (durable).`,
    `CPU s: the client process(es) over the load loop; worker, coordinator and redis-server CPU over the run (/proc, INFO cpu). ` +
      `2 cores shared by every process: the producer, the workers and redis-server compete for the same two cores, so rows/s follows ` +
      `the CPU µs per row of all processes; a second worker can use what the first leaves idle of the two cores, but no worker count adds cores. ` +
      `Load average ${la(load0)} at the start, ${la(load1)} at the end (the suite's own processes add ~2–3; the rest is other work).`,
    goal,
  );
  return {
    suite: 'distributed',
    title: `End to end: Producer → workers → Redis against the embedded sink, ${scale} rows`,
    rows,
    ratios,
    notes,
  };
}

async function runVariant(server: BenchRedisServer, c: DistributedConfig, v: Variant): Promise<RunRecord> {
  await server.cli('FLUSHALL');
  const base = {
    port: server.port,
    count: c.count,
    chunk: c.chunk,
    encoding: v.encoding ?? 'keyed',
    deadlineMs: c.deadlineMs,
  };
  if (v.workers === 0) {
    const cpu0 = await server.cpuSeconds();
    const sink: ClientArgs = {
      ...base,
      mode: 'sink',
      coordinator: '',
      index: 0,
      clients: 1,
      batch: c.tableBatch,
      window: c.sinkWindow,
    };
    const out = await runClients([sink], c.nodeArgs);
    const serverCpuSeconds = (await server.cpuSeconds()) - cpu0;
    return finish(server, c, out, { serverCpuSeconds, workerCpuSeconds: 0, coordinatorCpuSeconds: 0 });
  }
  const rt = await startRuntimeUnderTest({
    workers: v.workers,
    checkpointIntervalMs: c.checkpointMs,
    nodeArgs: c.nodeArgs,
    state: v.state === 'redis' ? `redis://127.0.0.1:${server.port}/1?store=bench` : undefined,
  });
  try {
    await createTable(rt, profileBody(server.port), tableBody(c.tableBatch), v.shards ?? 1);
    const clients: ClientArgs[] = Array.from({ length: c.producers }, (_, index) => ({
      ...base,
      mode: 'producer',
      coordinator: rt.grpc,
      index,
      clients: c.producers,
      batch: c.batchRows,
      window: c.producerWindow,
    }));
    const cpu0 = await server.cpuSeconds();
    const rt0 = rt.cpuSeconds();
    const out = await runClients(clients, c.nodeArgs);
    const rt1 = rt.cpuSeconds();
    const serverCpuSeconds = (await server.cpuSeconds()) - cpu0;
    const record = await finish(server, c, out, {
      serverCpuSeconds,
      workerCpuSeconds: rt1.workers - rt0.workers,
      coordinatorCpuSeconds: rt1.coordinator - rt0.coordinator,
    });
    // The runtime's own account goes to stderr; the one-line reason goes into the report.
    if (record.failure !== undefined) console.error(`[distributed] runtime logs:\n${rt.logTail()}`);
    return record;
  } finally {
    await rt.stop();
  }
}

async function finish(
  server: BenchRedisServer,
  c: DistributedConfig,
  out: ClientsOutcome,
  cpu: Pick<RunRecord, 'serverCpuSeconds' | 'workerCpuSeconds' | 'coordinatorCpuSeconds'>,
): Promise<RunRecord> {
  const problems = out.failure === undefined ? [] : [out.failure];
  const state = await verifyDistributedState(server, c.count);
  if (state !== undefined) problems.push(state);
  const record: RunRecord = { ...out, ...cpu, rowsPerSec: out.seconds > 0 ? out.rows / out.seconds : 0 };
  delete record.failure;
  if (problems.length > 0) record.failure = problems.join('; ');
  return record;
}
