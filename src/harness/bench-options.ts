/**
 * The options of `runBenchmark()` (and of `laminar-redis bench`, which maps its flags onto them):
 * the `DEFAULT_*` constants and the one {@link parseBenchOptions} that checks them up front.
 */
import type { LaminarLogger } from '../log.js';
import type { BenchShape, BenchTarget } from './bench-report.js';
import { BenchOptionsError } from './errors.js';

/** Rows written when neither `rows` nor `durationMs` is given. */
export const DEFAULT_ROWS = 100_000;
/** Distinct keys the rows are spread over. */
export const DEFAULT_KEYS = 10_000;
/** Rows per pipeline flush (the table's `batchSize`). */
export const DEFAULT_BATCH_SIZE = 1_000;
/** Batches sent and not yet acknowledged, at most. */
export const DEFAULT_IN_FLIGHT = 8;
/** Length of one entry of `BenchReport.intervals`, ms. */
export const DEFAULT_INTERVAL_MS = 1_000;
/** The base of every key prefix; the run id follows it. */
export const KEY_PREFIX_BASE = 'bench:';

/** Where the harness finds Redis: a URL, a connection profile body, or a `CREATE TABLE` statement. */
export type BenchRedis =
  /** `redis://` or `rediss://` URL; several, comma-separated, are cluster seeds (a single cluster node is found out). */
  | {
      url: string;
      /** With the URLs as Sentinels: the name of the primary they monitor. */
      sentinelMaster?: string;
      /** PEM of the CA that signed the servers' certificates (`rediss://` URLs). */
      tlsCa?: string;
    }
  /** A `POST /v1/connection_profiles` body of the Laminar Redis connector documentation. */
  | { profile: unknown }
  /** A `CREATE TABLE ... WITH (connector = 'redis', ...)` statement: its connection is used. */
  | { sql: string };

/** How to reach a running coordinator (coordinator mode). */
export interface BenchCoordinator {
  /** gRPC address `host:port` (Control and the workers' Ingest are found through it). */
  address: string;
  /** Its API token, when it has one. Never reported. */
  token?: string;
  /** Shards of the benchmark's table. Default: the coordinator's default. */
  shards?: number;
}

/** What `runBenchmark()` is asked to do. Only `redis` is required. */
export interface BenchOptions {
  redis: BenchRedis;
  /** Table type written through. Default `'string'`. */
  target?: BenchTarget;
  /** Default `'at-least-once'`. `'exactly-once'` writes through the fences with source positions. */
  guarantee?: 'at-least-once' | 'exactly-once';
  /** Through a running coordinator's workers (the `Producer`) instead of a sink in this process. */
  coordinator?: BenchCoordinator;
  /** Rows to write. Default {@link DEFAULT_ROWS} unless `durationMs` is given; not with it. */
  rows?: number;
  /** Write for this long instead of a number of rows, ms. */
  durationMs?: number;
  /**
   * Open-loop arrival rate, rows per second: row i is due at start + i / rate, and its latency is
   * measured from then, so a stall delays (and counts against) every row behind it. Unset: closed
   * loop, as fast as the sink takes rows, latency measured from when a row is handed over.
   */
  rate?: number;
  /** Distinct keys. Default {@link DEFAULT_KEYS}. */
  keys?: number;
  /** 0 (default): keys drawn uniformly; s > 0: Zipf with exponent s (key k drawn ∝ 1/(k+1)^s). */
  skew?: number;
  /** Row shape. Default `'flat'`; `'file'` needs `sampleFile`. */
  shape?: BenchShape;
  /** JSON-lines file whose objects are replayed in turn (shape `'file'`). */
  sampleFile?: string;
  /** Rows per flush. Default {@link DEFAULT_BATCH_SIZE}. */
  batchSize?: number;
  /** Batches in flight. Default {@link DEFAULT_IN_FLIGHT}. */
  inFlight?: number;
  /** Read back what landed after the run and compare it with what was written. Default false. */
  verify?: boolean;
  /** Leave the keys in Redis. Default false: they are deleted at the end. */
  keep?: boolean;
  /** The run id (lowercase letters, digits, `-`). Default: a fresh random one. */
  runId?: string;
  /** Length of one interval of the report, ms. Default {@link DEFAULT_INTERVAL_MS}. */
  intervalMs?: number;
  /** Called at the end of each interval with its figures (the CLI's progress line). */
  onInterval?: (progress: BenchProgress) => void;
  /** Called with the failure that stopped the run early (it is counted in `report.errors` too). */
  onError?: (error: unknown) => void;
  /** Stops the run early; the report covers what was written until then. */
  signal?: AbortSignal;
  /** Where the sink logs. Default: silent. */
  logger?: LaminarLogger;
  /** Environment that `{{ VAR }}` secrets are resolved from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Test hook: runs after the writes and before verify mode reads back, with a client of the
   * Redis written to and the run's key prefix (a test deletes a row here to see verify catch it).
   */
  beforeVerify?: (redis: BenchRedisAccess) => Promise<void>;
}

/** What the `beforeVerify` test hook gets. */
export interface BenchRedisAccess {
  keyPrefix: string;
  /** Sends one command to the node serving its key. */
  send(command: (string | number | Buffer)[]): Promise<unknown>;
}

/** One interval as it ends, for a progress display. */
export interface BenchProgress {
  atMs: number;
  rowsAcked: number;
  /** Total rows of the run, or null when it is bounded by time. */
  rowsTotal: number | null;
  durationMs: number | null;
  rowsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

/** The options with every default filled in and every value checked. */
export interface ResolvedBenchOptions
  extends Required<Pick<BenchOptions, 'target' | 'guarantee' | 'keys' | 'skew' | 'shape' | 'batchSize'>> {
  redis: BenchRedis;
  coordinator: BenchCoordinator | null;
  rows: number | null;
  durationMs: number | null;
  rate: number | null;
  sampleFile: string | null;
  inFlight: number;
  verify: boolean;
  keep: boolean;
  runId: string;
  intervalMs: number;
}

const TARGETS: readonly BenchTarget[] = [
  'string',
  'list',
  'hash',
  'hash_columns',
  'set',
  'sorted_set',
  'counter',
  'hash_counter',
  'stream',
  'pubsub',
];

/** Checks the options and fills in the defaults. @throws BenchOptionsError naming the option. */
export function parseBenchOptions(o: BenchOptions): ResolvedBenchOptions {
  const target = o.target ?? 'string';
  if (!TARGETS.includes(target)) fail('target', `must be one of ${TARGETS.join(', ')} (got '${target}')`);
  const guarantee = o.guarantee ?? 'at-least-once';
  if (guarantee !== 'at-least-once' && guarantee !== 'exactly-once') {
    fail('guarantee', `must be at-least-once or exactly-once (got '${guarantee}')`);
  }
  if (o.rows !== undefined && o.durationMs !== undefined) fail('rows', 'and durationMs exclude each other');
  const durationMs = o.durationMs === undefined ? null : positive('durationMs', o.durationMs);
  const rows = o.rows !== undefined ? positiveInt('rows', o.rows) : durationMs === null ? DEFAULT_ROWS : null;
  const shape = o.shape ?? 'flat';
  if (!['flat', 'nested', 'file'].includes(shape))
    fail('shape', `must be flat, nested or file (got '${shape}')`);
  if (shape === 'file' && o.sampleFile === undefined) fail('sampleFile', "is required with shape 'file'");
  if (shape !== 'file' && o.sampleFile !== undefined) fail('sampleFile', "is only read with shape 'file'");
  const skew = o.skew ?? 0;
  if (!Number.isFinite(skew) || skew < 0 || skew > 10) fail('skew', `must be between 0 and 10 (got ${skew})`);
  const verify = o.verify ?? false;
  if (verify && target === 'pubsub') {
    fail('verify', 'cannot read back a pub/sub table: Redis keeps no messages to compare');
  }
  const runId = o.runId ?? freshRunId();
  if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(runId)) {
    fail('runId', 'must be 1 to 32 lowercase letters, digits or dashes, starting with a letter or digit');
  }
  const batchSize = positiveInt('batchSize', o.batchSize ?? DEFAULT_BATCH_SIZE);
  if (batchSize > 100_000) fail('batchSize', `must be at most 100000 (got ${batchSize})`);
  const inFlight = positiveInt('inFlight', o.inFlight ?? DEFAULT_IN_FLIGHT);
  if (inFlight > 1024) fail('inFlight', `must be at most 1024 (got ${inFlight})`);
  if (o.coordinator !== undefined && o.coordinator.address === '') fail('coordinator', 'needs an address');
  return {
    redis: o.redis,
    target,
    guarantee,
    coordinator: o.coordinator ?? null,
    rows,
    durationMs,
    rate: o.rate === undefined ? null : positive('rate', o.rate),
    keys: positiveInt('keys', o.keys ?? DEFAULT_KEYS),
    skew,
    shape,
    sampleFile: o.sampleFile ?? null,
    batchSize,
    inFlight,
    verify,
    keep: o.keep ?? false,
    runId,
    intervalMs: positive('intervalMs', o.intervalMs ?? DEFAULT_INTERVAL_MS),
  };
}

/** The prefix every key of a run carries. */
export const keyPrefixOf = (runId: string): string => `${KEY_PREFIX_BASE}${runId}:`;

/** A run id: time-ordered base 36 and four random characters. */
function freshRunId(): string {
  const random = Math.floor(Math.random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0');
  return `${Date.now().toString(36)}${random}`;
}

function positiveInt(option: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) fail(option, `must be a positive integer (got ${v})`);
  return v;
}

function positive(option: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) fail(option, `must be a positive number (got ${v})`);
  return v;
}

function fail(option: string, message: string): never {
  throw new BenchOptionsError(option, message);
}
