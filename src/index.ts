/**
 * Public embedding API of laminar-redis.
 *
 * ```ts
 * import { createClient } from 'laminar-redis';
 * ```
 */

export { type Runtime, type RuntimeOptions, type SchedulerMode, startRuntime } from './cli/runtime.js';
export {
  type CoordinatorHandle,
  type CoordinatorOptions,
  DEFAULT_GRPC_PORT,
  DEFAULT_HTTP_PORT,
  startCoordinator,
} from './coordinator/coordinator.js';
export { type GeneratorOptions, GeneratorSource, generatedRow } from './dataflow/sources/generator.js';
export { IngestClosedError, IngestSource, type PushResult } from './dataflow/sources/ingest.js';
export { JsonLinesSource, SourceFormatError } from './dataflow/sources/jsonl.js';
export type { ReadBatch, Source, SourcePosition, SourceReader } from './dataflow/sources/source.js';
export {
  type JobHandle,
  type JobOptions,
  type JobResult,
  JobStoppedError,
  runJob,
  startJob,
} from './job/job.js';
export {
  createRedisLookup,
  joinKeyText,
  LookupConfigError,
  LookupError,
  type LookupErrorContext,
  LookupRegistry,
  type LookupRegistryOptions,
  type LookupRow,
  type LookupSpec,
  type LookupStats,
  type LookupTable,
  LookupValueError,
  lookupTableOf,
  type ParseLookupTableOptions,
  parseLookupTable,
  RedisLookup,
  type RedisLookupOptions,
  rewriteLookupSyntax,
  validateLookupModel,
} from './lookup/index.js';
export { metricsRegistry, metricsText } from './metrics/index.js';
export {
  type JobSpec,
  JobSpecError,
  parseJobSpec,
  type QuerySpec,
  type SourceSpec,
  type TableSpec,
} from './plan/job-spec.js';
export { Producer } from './producer/producer.js';
export { ProducerClosedError, ProducerFailedError } from './producer/producer-errors.js';
export type { ProducerOptions } from './producer/producer-options.js';
export type { ProducerStats } from './producer/producer-stats.js';
export { AuthenticationError, type CallOptions, createClient, RedisClient } from './resp/client.js';
export {
  type ClusterOptions,
  type ClusterStats,
  createCluster,
  RedisCluster,
} from './resp/cluster/cluster-client.js';
export { keySlot, SLOT_COUNT } from './resp/cluster/key-slot.js';
export type { NatMap, NodeAddress } from './resp/cluster/topology.js';
export { InvalidArgumentError } from './resp/encoder.js';
export * from './resp/errors.js';
export type { ClientOptions, ReconnectOptions } from './resp/options.js';
export type { Arg, Command, Reply } from './resp/reply.js';
export { MissingSecretError, SinkConfigError, SqlSyntaxError } from './schema/errors.js';
export { redactProfile, resolveSecrets } from './schema/secrets.js';
export { parseProfile, parseTable } from './sink/config/json.js';
export { parseCreateTable } from './sink/config/sql-ddl.js';
export { defineProfile, defineTable, validateTable } from './sink/config/validate-model.js';
export { type CreateSinkOptions, createSink, type SinkInput, tableOf } from './sink/create-sink.js';
export { BadRowError, FencedError, SinkFailedError, SinkWriteError } from './sink/errors.js';
export type * from './sink/model.js';
export type { Row } from './sink/row-encoder.js';
export { RedisSink, type SinkLimits, type SinkStats } from './sink/sink.js';
export { type CompileSqlOptions, compileSqlScript, type ScriptSpec } from './sql/compile-script.js';
export { PipelineSqlError, SqlEvalError, SqlQueryError, type SqlQueryErrorKind } from './sql/errors.js';
export { type Checkpoint, CheckpointStore } from './storage/checkpoint-store.js';
export { RowEncodingError } from './wire/row-batch-codec.js';
export { startWorker, type WorkerHandle, type WorkerOptions } from './worker/worker.js';
