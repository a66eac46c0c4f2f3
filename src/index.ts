/**
 * Public embedding API of laminar-redis: everything, including the runtime (coordinator,
 * workers, jobs, SQL). Programs that need less import a lighter entry: `laminar-redis/client`,
 * `laminar-redis/sink` or `laminar-redis/producer`.
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
export type {
  CheckpointResultView,
  CreatePipelineBody,
  CreateProfileBody,
  CreateSqlTableBody,
  CreateTableBody,
  ErrorBody,
  ListBody,
  PipelineView,
  ProfileView,
  RoutingView,
  ShardRouteView,
  TableView,
  TestResultView,
  WorkerView,
} from './coordinator/rest-bodies.js';
export { type GeneratorOptions, GeneratorSource } from './dataflow/sources/generator.js';
export { IngestClosedError, IngestSource, type PushResult } from './dataflow/sources/ingest.js';
export { JsonLinesSource, SourceFormatError } from './dataflow/sources/jsonl.js';
export { RedisStreamSource, type RedisStreamSourceDeps } from './dataflow/sources/redis-stream.js';
export {
  NoStreamsError,
  StreamEntryFormatError,
  StreamEntryGoneError,
  StreamGroupMissingError,
  StreamTrimmedError,
} from './dataflow/sources/redis-stream-errors.js';
export { StreamIdRangeError } from './dataflow/sources/redis-stream-id.js';
export type { ReadBatch, Source, SourcePosition, SourceReader } from './dataflow/sources/source.js';
export {
  ControlClient,
  connectControl,
  connectIngest,
  fromStruct,
  GrpcConnectError,
  type GrpcConnectOptions,
  type GrpcTlsOptions,
  IngestClient,
  type JsonObject,
  type JsonValue,
  LEADER_TRAILER,
  leaderHint,
  NOT_LEADER_CODE,
  type ProtoStruct,
  type ProtoValue,
  toStruct,
  unary,
} from './grpc.js';
export type {
  BenchCoordinator,
  BenchOptions,
  BenchProgress,
  BenchRedis,
  BenchRedisAccess,
} from './harness/bench-options.js';
export type * from './harness/bench-report.js';
export { BENCH_REPORT_VERSION } from './harness/bench-report.js';
export {
  BenchCoordinatorError,
  BenchOptionsError,
  BenchPrefixInUseError,
  BenchVerifyError,
} from './harness/errors.js';
export { renderHtmlReport } from './harness/html-report.js';
export { runBenchmark } from './harness/run-benchmark.js';
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
export type { RedisStreamOptions } from './plan/redis-stream-options.js';
export * from './producer.js';
export * from './sink.js';
export { type CompileSqlOptions, compileSqlScript, type ScriptSpec } from './sql/compile-script.js';
export { PipelineSqlError, SqlEvalError, SqlQueryError, type SqlQueryErrorKind } from './sql/errors.js';
export { type Checkpoint, CheckpointStore } from './storage/checkpoint-store.js';
export type { Readiness, ReadinessState } from './wire/readiness.js';
export { startWorker, type WorkerHandle, type WorkerOptions } from './worker/worker.js';
