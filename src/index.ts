/**
 * Public embedding API of laminar-redis.
 *
 * ```ts
 * import { createClient } from 'laminar-redis';
 * ```
 */

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
export { createSink, tableOf, type SinkInput, type CreateSinkOptions } from './sink/create-sink.js';
export { RedisSink, type SinkStats, type SinkLimits } from './sink/sink.js';
export type { Row } from './sink/row-encoder.js';
export type * from './sink/model.js';
export { BadRowError, SinkWriteError, SinkFailedError } from './sink/errors.js';
export { SinkConfigError, SqlSyntaxError, MissingSecretError } from './sink/config/errors.js';
export { parseProfile, parseTable } from './sink/config/json.js';
export { parseCreateTable } from './sink/config/sql-ddl.js';
export { defineTable, defineProfile, validateTable } from './sink/config/validate-model.js';
export { resolveSecrets, redactProfile } from './sink/config/secrets.js';
