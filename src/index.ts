/**
 * Public embedding API of laminar-redis.
 *
 * ```ts
 * import { createClient } from 'laminar-redis';
 * ```
 */

export { type GeneratorOptions, GeneratorSource, generatedRow } from './actors/sources/generator.js';
export { IngestClosedError, IngestSource, type PushResult } from './actors/sources/ingest.js';
export { JsonLinesSource, SourceFormatError } from './actors/sources/jsonl.js';
export type { ReadBatch, Source, SourcePosition, SourceReader } from './actors/sources/source.js';
export { type Checkpoint, CheckpointStore } from './coordinator/checkpoint-store.js';
export {
  type CoordinatorHandle,
  type CoordinatorOptions,
  DEFAULT_GRPC_PORT,
  DEFAULT_HTTP_PORT,
  startCoordinator,
} from './coordinator/coordinator.js';
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
export { metricsRegistry, metricsText } from './metrics.js';
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
export {
  type JobHandle,
  type JobOptions,
  type JobResult,
  JobStoppedError,
  runJob,
  startJob,
} from './runtime/job.js';
export {
  type JobSpec,
  JobSpecError,
  parseJobSpec,
  type QuerySpec,
  type SourceSpec,
  type TableSpec,
} from './runtime/job-spec.js';
export { Producer } from './runtime/producer.js';
export { ProducerClosedError, ProducerFailedError } from './runtime/producer-errors.js';
export type { ProducerOptions } from './runtime/producer-options.js';
export type { ProducerStats } from './runtime/producer-stats.js';
export { RowEncodingError } from './runtime/row-batch-codec.js';
export { type Runtime, type RuntimeOptions, type SchedulerMode, startRuntime } from './runtime/runtime.js';
export { startWorker, type WorkerHandle, type WorkerOptions } from './runtime/worker.js';
export { MissingSecretError, SinkConfigError, SqlSyntaxError } from './sink/config/errors.js';
export { parseProfile, parseTable } from './sink/config/json.js';
export { redactProfile, resolveSecrets } from './sink/config/secrets.js';
export { parseCreateTable } from './sink/config/sql-ddl.js';
export { defineProfile, defineTable, validateTable } from './sink/config/validate-model.js';
export { type CreateSinkOptions, createSink, type SinkInput, tableOf } from './sink/create-sink.js';
export { BadRowError, FencedError, SinkFailedError, SinkWriteError } from './sink/errors.js';
export type * from './sink/model.js';
export type { Row } from './sink/row-encoder.js';
export { RedisSink, type SinkLimits, type SinkStats } from './sink/sink.js';
export { type CompileSqlOptions, compileSqlScript, type ScriptSpec } from './sql/compile-script.js';
export { PipelineSqlError, SqlEvalError, SqlQueryError, type SqlQueryErrorKind } from './sql/errors.js';
