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
export { MissingSecretError, SinkConfigError, SqlSyntaxError } from './sink/config/errors.js';
export { parseProfile, parseTable } from './sink/config/json.js';
export { redactProfile, resolveSecrets } from './sink/config/secrets.js';
export { parseCreateTable } from './sink/config/sql-ddl.js';
export { defineProfile, defineTable, validateTable } from './sink/config/validate-model.js';
export { type CreateSinkOptions, createSink, type SinkInput, tableOf } from './sink/create-sink.js';
export { BadRowError, SinkFailedError, SinkWriteError } from './sink/errors.js';
export type * from './sink/model.js';
export type { Row } from './sink/row-encoder.js';
export { RedisSink, type SinkLimits, type SinkStats } from './sink/sink.js';
