/**
 * Every laminar instrument, with stable names and bounded labels: table and job names, error codes,
 * fixed enumerations — never keys or row contents. docs/metrics.md lists them.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import { respTotals } from '../resp/totals.js';
import { metricsRegistry } from './registry.js';

const registers = [metricsRegistry];

/** Flush and checkpoint durations, seconds. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Commands in one flush's pipeline. */
export const PIPELINE_BUCKETS = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000];
/** Checkpoint durations, seconds: from injecting the barrier to the record being written. */
export const CHECKPOINT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

// --- sinks ------------------------------------------------------------------------------------

export const rowsInTotal = new Counter({
  name: 'laminar_rows_in_total',
  help: 'Rows accepted by sinks (write() calls), bad rows included',
  labelNames: ['table'] as const,
  registers,
});

export const rowsOutTotal = new Counter({
  name: 'laminar_rows_out_total',
  help: 'Rows acknowledged by Redis',
  labelNames: ['table'] as const,
  registers,
});

export const bytesOutTotal = new Counter({
  name: 'laminar_bytes_out_total',
  help: 'Payload of flushes acknowledged by Redis: keys, hash fields, values and dead-letter entries (string length, approximate bytes)',
  labelNames: ['table'] as const,
  registers,
});

export const errorsTotal = new Counter({
  name: 'laminar_errors_total',
  help: 'Bad rows (code ERR_BAD_ROW, whatever the on_error policy) and server or connection errors (server error prefix such as WRONGTYPE, or the error code)',
  labelNames: ['table', 'code'] as const,
  registers,
});

export const rowsSkippedTotal = new Counter({
  name: 'laminar_rows_skipped_total',
  help: "Bad rows dropped by the 'skip' policy",
  labelNames: ['table'] as const,
  registers,
});

export const rowsDeadLetteredTotal = new Counter({
  name: 'laminar_rows_dead_lettered_total',
  help: "Bad rows sent to the dead-letter list by the 'dead_letter' policy",
  labelNames: ['table'] as const,
  registers,
});

export const flushDurationSeconds = new Histogram({
  name: 'laminar_flush_duration_seconds',
  help: 'Time from sending a flush to its last reply, seconds',
  labelNames: ['table'] as const,
  buckets: DURATION_BUCKETS,
  registers,
});

export const pipelineCommands = new Histogram({
  name: 'laminar_pipeline_commands',
  help: 'Commands per flush pipeline',
  labelNames: ['table'] as const,
  buckets: PIPELINE_BUCKETS,
  registers,
});

export const backpressureSecondsTotal = new Counter({
  name: 'laminar_backpressure_seconds_total',
  help: 'Time write() spent waiting for room under the in-flight bounds, seconds',
  labelNames: ['table'] as const,
  registers,
});

// --- RESP clients (read from respTotals when scraped) --------------------------------------------

const TRANSIENT_REASONS = ['TRYAGAIN', 'CLUSTERDOWN', 'LOADING', 'MASTERDOWN'] as const;

export const redirectionsTotal = new Counter({
  name: 'laminar_redirections_total',
  help: 'Cluster redirections followed, by kind (moved, ask)',
  labelNames: ['kind'] as const,
  registers,
  collect() {
    this.reset();
    this.inc({ kind: 'moved' }, respTotals.moved);
    this.inc({ kind: 'ask' }, respTotals.ask);
  },
});

export const retriesTotal = new Counter({
  name: 'laminar_retries_total',
  help: 'Retries: transient cluster replies by prefix (TRYAGAIN, CLUSTERDOWN, LOADING, MASTERDOWN), unreachable (resent after a node could not be reached), reconnect (standalone reconnect attempts)',
  labelNames: ['reason'] as const,
  registers,
  collect() {
    this.reset();
    for (const reason of TRANSIENT_REASONS) this.inc({ reason }, respTotals.transient[reason] ?? 0);
    this.inc({ reason: 'unreachable' }, respTotals.unreachable);
    this.inc({ reason: 'reconnect' }, respTotals.reconnects);
  },
});

// --- checkpoints ----------------------------------------------------------------------------------

export const checkpointDurationSeconds = new Histogram({
  name: 'laminar_checkpoint_duration_seconds',
  help: 'Time from injecting a barrier to recording its checkpoint, seconds (completed checkpoints)',
  labelNames: ['job'] as const,
  buckets: CHECKPOINT_BUCKETS,
  registers,
});

export const checkpointsTotal = new Counter({
  name: 'laminar_checkpoints_total',
  help: 'Checkpoints by outcome: completed, declined (a shard declined the barrier), failed (recording failed)',
  labelNames: ['job', 'outcome'] as const,
  registers,
});

// --- runtime (wired by the runtime) ---------------------------------------------------------------

export const ingestBatchesTotal = new Counter({
  name: 'laminar_ingest_batches_total',
  help: 'Row batches received by ingest (gRPC Write streams)',
  labelNames: ['table'] as const,
  registers,
});

export const workersGauge = new Gauge({
  name: 'laminar_workers',
  help: 'Workers known to the coordinator, by state',
  labelNames: ['state'] as const,
  registers,
});

export const shardsGauge = new Gauge({
  name: 'laminar_shards',
  help: 'Sink shards, by state',
  labelNames: ['state'] as const,
  registers,
});

// --- lookup tables (counted per batch, never per row) -------------------------------------------

export const lookupsTotal = new Counter({
  name: 'laminar_lookups_total',
  help: 'Join keys looked up in Redis lookup tables (null keys excluded, cache hits included)',
  labelNames: ['table'] as const,
  registers,
});

export const lookupCacheHitsTotal = new Counter({
  name: 'laminar_lookup_cache_hits_total',
  help: 'Lookup keys answered by the lookup cache (cached misses included)',
  labelNames: ['table'] as const,
  registers,
});

export const lookupCacheMissesTotal = new Counter({
  name: 'laminar_lookup_cache_misses_total',
  help: 'Lookup keys not in the lookup cache, read from Redis (every key of a table without a cache)',
  labelNames: ['table'] as const,
  registers,
});

export const lookupCacheBytes = new Gauge({
  name: 'laminar_lookup_cache_bytes',
  help: "Estimated size of a lookup table's cache after its last batch, bytes (at most 'lookup.cache.max_bytes')",
  labelNames: ['table'] as const,
  registers,
});

export const lookupDurationSeconds = new Histogram({
  name: 'laminar_lookup_duration_seconds',
  help: 'Time to read one lookup batch from Redis (one round trip, retries included), seconds',
  labelNames: ['table'] as const,
  buckets: DURATION_BUCKETS,
  registers,
});
