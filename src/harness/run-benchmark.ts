/**
 * `runBenchmark()`: a workload written through the real sink (or a running coordinator's
 * workers) into the user's Redis, measured, optionally read back, and cleaned up; the result is
 * the {@link BenchReport} that `laminar-redis bench` prints and draws.
 */
import { packageVersion } from '../version.js';
import { type BenchConnection, benchConnection } from './bench-connection.js';
import {
  type BenchOptions,
  keyPrefixOf,
  parseBenchOptions,
  type ResolvedBenchOptions,
} from './bench-options.js';
import {
  BENCH_REPORT_VERSION,
  type BenchReport,
  type BenchSettings,
  type BenchVerify,
} from './bench-report.js';
import { type RowSource, rowSource } from './bench-rows.js';
import { tableBody, tableNameOf } from './bench-table.js';
import type { BenchWriter } from './bench-writer.js';
import { BenchPrefixInUseError } from './errors.js';
import { keyChoice } from './key-choice.js';
import { LatencyRecorder } from './latency-recorder.js';
import { runLoad } from './load-loop.js';
import { ProducerWriter } from './producer-writer.js';
import { nodeFigures, prefixPattern, RedisNodes } from './redis-nodes.js';
import { SinkWriter } from './sink-writer.js';
import { verifyLanded } from './verify-landed.js';

/** Longest a partial batch waits in open loop before it is sent (the sink's default linger). */
const OPEN_LOOP_LINGER_MS = 100;

/**
 * Runs a benchmark and resolves with its report. A failure while writing (Redis refused a write,
 * the connection was lost) stops the run and is counted in `report.errors` (and passed to
 * `onError`); the report covers what was acknowledged until then.
 *
 * @throws BenchOptionsError (`ERR_BENCH_OPTIONS`) for options that cannot be used.
 * @throws BenchPrefixInUseError (`ERR_BENCH_PREFIX_IN_USE`) when keys under the run's prefix exist.
 * @throws the connection's errors (`ERR_AUTH`, `ERR_CONNECTION_NOT_SENT`, `ERR_CLUSTER_*`, ...)
 *   when Redis cannot be reached, and `ERR_BENCH_COORDINATOR` when the coordinator refuses the table.
 */
export async function runBenchmark(options: BenchOptions): Promise<BenchReport> {
  const o = parseBenchOptions(options);
  const env = options.env ?? process.env;
  const connection = await benchConnection(o.redis, env);
  const source = await rowSource(o.shape, keyChoice(o.keys, o.skew), o.sampleFile);
  const keyPrefix = keyPrefixOf(o.runId);
  const nodes = await RedisNodes.open(connection.profile, env);
  try {
    const existing = await nodes.anyKey(prefixPattern(keyPrefix));
    if (existing !== null) throw new BenchPrefixInUseError(keyPrefix, existing);
    const tableName = tableNameOf(o.runId);
    const writer = await openWriter(o, connection, tableName, keyPrefix, source, options);
    let measured: Measured;
    try {
      measured = await measure(o, writer, source, nodes, options);
    } finally {
      await writer.close();
    }
    let verify: BenchVerify | null = null;
    if (o.verify && measured.error === null) {
      await options.beforeVerify?.({ keyPrefix, send: (command) => nodes.transport.send(command) });
      verify = await verifyLanded(nodes.transport, o.target, keyPrefix, source, measured.rowsSent);
    }
    if (!o.keep) {
      await nodes.deleteMatching(prefixPattern(keyPrefix));
      // Exactly-once fences: `laminar:fence:<table>` (standalone), `laminar:fence:{tag}:<table>`.
      if (o.guarantee === 'exactly-once') await nodes.deleteMatching(`laminar:fence:*${tableName}`);
    }
    return report(o, connection, keyPrefix, measured, verify);
  } finally {
    await nodes.close();
  }
}

async function openWriter(
  o: ResolvedBenchOptions,
  connection: BenchConnection,
  tableName: string,
  keyPrefix: string,
  source: RowSource,
  options: BenchOptions,
): Promise<BenchWriter> {
  const exactlyOnce = o.guarantee === 'exactly-once';
  const body = tableBody({
    name: tableName,
    target: o.target,
    keyPrefix,
    layout: source.layout,
    columns: source.columns,
    exactlyOnce,
    batchSize: o.batchSize,
    inFlight: o.inFlight,
  });
  const window = { batchSize: o.batchSize, inFlight: o.inFlight, exactlyOnce };
  if (o.coordinator !== null) return ProducerWriter.open(o.coordinator, connection.config, body, window);
  const profileBody = { name: 'bench', connector: 'redis', config: connection.config };
  return SinkWriter.open(profileBody, body, window, options.env ?? process.env, options.logger);
}

interface Measured {
  startedAt: string;
  elapsedMs: number;
  rowsSent: number;
  recorder: LatencyRecorder;
  cpuMicros: number;
  redis: BenchReport['redis'];
  error: unknown;
}

async function measure(
  o: ResolvedBenchOptions,
  writer: BenchWriter,
  source: RowSource,
  nodes: RedisNodes,
  options: BenchOptions,
): Promise<Measured> {
  const before = await nodes.sample();
  const startedAt = new Date().toISOString();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const recorder = new LatencyRecorder(t0);
  const progress = () => {
    const iv = recorder.closeInterval(performance.now());
    options.onInterval?.({
      atMs: iv.atMs,
      rowsAcked: recorder.rowsAcked,
      rowsTotal: o.rows,
      durationMs: o.durationMs,
      rowsPerSec: iv.rowsPerSec,
      p50Ms: iv.p50Ms,
      p99Ms: iv.p99Ms,
    });
  };
  const timer = setInterval(progress, o.intervalMs);
  let outcome: Awaited<ReturnType<typeof runLoad>>;
  try {
    outcome = await runLoad(writer, source, recorder, {
      rows: o.rows,
      durationMs: o.durationMs,
      rate: o.rate,
      batchSize: o.batchSize,
      inFlight: o.inFlight,
      lingerMs: OPEN_LOOP_LINGER_MS,
      signal: options.signal,
    });
  } finally {
    clearInterval(timer);
  }
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  // The last, partial interval (a run shorter than one interval has only this one).
  const last = recorder.intervals.at(-1);
  if (last === undefined || t1 - t0 - last.atMs >= 1) progress();
  const after = await nodes.sample();
  if (outcome.error !== null) options.onError?.(outcome.error);
  return {
    startedAt,
    elapsedMs: t1 - t0,
    rowsSent: outcome.rowsSent,
    recorder,
    cpuMicros: cpu.user + cpu.system,
    redis: nodeFigures(before, after),
    error: outcome.error,
  };
}

function report(
  o: ResolvedBenchOptions,
  connection: BenchConnection,
  keyPrefix: string,
  m: Measured,
  verify: BenchVerify | null,
): BenchReport {
  const settings: BenchSettings = {
    redis: connection.shown,
    topology: connection.topology,
    target: o.target,
    guarantee: o.guarantee,
    mode: o.coordinator === null ? 'embedded' : 'coordinator',
    rows: o.rows,
    durationMs: o.durationMs,
    rate: o.rate,
    keys: o.keys,
    skew: o.skew,
    shape: o.shape,
    sampleFile: o.sampleFile,
    batchSize: o.batchSize,
    inFlight: o.inFlight,
    keyPrefix,
  };
  const acked = m.recorder.rowsAcked;
  const errors: Record<string, number> = {};
  if (m.error !== null) errors[codeOf(m.error)] = 1;
  return {
    version: BENCH_REPORT_VERSION,
    runId: o.runId,
    startedAt: m.startedAt,
    laminarVersion: packageVersion(),
    settings,
    rowsSent: m.rowsSent,
    rowsAcked: acked,
    elapsedMs: Math.round(m.elapsedMs),
    rowsPerSec: m.elapsedMs > 0 ? Math.round(acked / (m.elapsedMs / 1000)) : 0,
    cpuMicrosPerRow: acked > 0 ? Math.round((m.cpuMicros / acked) * 100) / 100 : 0,
    latency: m.recorder.summary(),
    intervals: m.recorder.intervals,
    redis: m.redis,
    errors,
    verify,
    cleanedUp: !o.keep,
  };
}

/** The stable code of an error (`ERR_INTERNAL` for one without). */
function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_') ? code : 'ERR_INTERNAL';
}
