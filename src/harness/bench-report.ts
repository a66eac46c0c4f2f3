/**
 * The document `laminar-redis bench` and `runBenchmark()` produce: what was run, what it reached,
 * and what Redis saw. It is the one contract between the runner, the JSON output (validated by
 * `docs/bench-report.schema.json`) and the HTML report; a change here changes all three.
 */

/** Report format version; bumped when a field changes meaning or is removed. */
export const BENCH_REPORT_VERSION = 1;

/** The table types the harness can write through. */
export type BenchTarget =
  | 'string'
  | 'list'
  | 'hash'
  | 'hash_columns'
  | 'set'
  | 'sorted_set'
  | 'counter'
  | 'hash_counter'
  | 'stream'
  | 'pubsub';

/** Row shapes: flat columns, nested like the Laminar connector documentation's examples, or a sample file replayed. */
export type BenchShape = 'flat' | 'nested' | 'file';

/** What was asked for: enough to run the same benchmark again. Never holds a password. */
export interface BenchSettings {
  /** Redis address(es) with any password removed. */
  redis: string;
  /** `standalone`, `cluster` or `sentinel`, as found when connecting. */
  topology: 'standalone' | 'cluster' | 'sentinel';
  target: BenchTarget;
  guarantee: 'at-least-once' | 'exactly-once';
  /** `embedded` writes through a sink in this process; `coordinator` through a running coordinator's workers. */
  mode: 'embedded' | 'coordinator';
  /** Rows to write, or null when the run is bounded by `durationMs`. */
  rows: number | null;
  durationMs: number | null;
  /** Open-loop arrival rate in rows per second, or null for as fast as the sink takes them (closed loop). */
  rate: number | null;
  keys: number;
  /** Key skew: 0 is uniform; otherwise the exponent of a Zipf distribution over the keys. */
  skew: number;
  shape: BenchShape;
  /** The sample file replayed when `shape` is `file`. */
  sampleFile: string | null;
  batchSize: number;
  inFlight: number;
  /** Prefix every key of this run carries (includes the run id). */
  keyPrefix: string;
}

/** One second (or one interval) of the run. */
export interface BenchInterval {
  /** Milliseconds since the run started, at the end of the interval. */
  atMs: number;
  /** Rows acknowledged by Redis in this interval, per second. */
  rowsPerSec: number;
  /** Latency of the rows acknowledged in this interval, milliseconds. */
  p50Ms: number;
  p99Ms: number;
}

/**
 * Latency of a row to its acknowledgement, milliseconds (HDR histogram): from its intended send
 * time in open loop (`rate` set), from its hand-over to the sink in closed loop.
 */
export interface BenchLatency {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

/** What one Redis node reported through `INFO`, as a difference over the run where it is a counter. */
export interface BenchNodeFigures {
  /** host:port */
  node: string;
  /** used_cpu_sys + used_cpu_user spent during the run, seconds. */
  usedCpuSec: number;
  /** used_memory at the end, bytes. */
  usedMemoryBytes: number;
  /** Commands processed during the run divided by its duration. */
  opsPerSec: number;
}

/** What verify mode found when it read back what landed. */
export interface BenchVerify {
  ok: boolean;
  /** Keys (or list/stream entries, set members...) checked. */
  checked: number;
  /** One line per difference found, at most 20. */
  problems: string[];
}

/** The whole report. */
export interface BenchReport {
  version: typeof BENCH_REPORT_VERSION;
  /** The run's id; also part of `settings.keyPrefix`. */
  runId: string;
  /** ISO time the run started. */
  startedAt: string;
  /** laminar-redis version that ran it. */
  laminarVersion: string;
  settings: BenchSettings;
  /** Rows handed to the sink and rows Redis acknowledged. */
  rowsSent: number;
  rowsAcked: number;
  elapsedMs: number;
  /** rowsAcked / elapsed seconds. */
  rowsPerSec: number;
  /** Client CPU (user + system) of this process per acknowledged row, microseconds. */
  cpuMicrosPerRow: number;
  latency: BenchLatency;
  intervals: BenchInterval[];
  redis: BenchNodeFigures[];
  /** Count of errors by stable error code (`ERR_...`), empty when none. */
  errors: Record<string, number>;
  /** Present when verify mode ran. */
  verify: BenchVerify | null;
  /** Whether the run's keys were deleted at the end (false with `--keep`). */
  cleanedUp: boolean;
}
