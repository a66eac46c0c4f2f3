/**
 * `laminar-redis/client`: the RESP2/RESP3 client alone — standalone, cluster and Sentinel, errors, key
 * slots. Importing it loads no gRPC, no SQL parser, no runtime.
 *
 * ```ts
 * import { createClient } from 'laminar-redis/client';
 * ```
 */

export { ERROR_CODES, type ErrorCode, LaminarError } from './errors.js';
export {
  AuthenticationError,
  type CallOptions,
  createClient,
  type ReconnectingEvent,
  RedisClient,
  type RedisClientEvents,
} from './resp/client.js';
export {
  type ClusterOptions,
  type ClusterStats,
  createCluster,
  RedisCluster,
  type RedisClusterEvents,
} from './resp/cluster/cluster-client.js';
export { keySlot, SLOT_COUNT } from './resp/cluster/key-slot.js';
export type { NatMap, NodeAddress } from './resp/cluster/topology.js';
export { ArgumentTooLargeError, InvalidArgumentError } from './resp/encoder.js';
export * from './resp/errors.js';
export type { ClientOptions, ReconnectOptions } from './resp/options.js';
export type { Arg, Command, Reply } from './resp/reply.js';
export {
  createSentinel,
  RedisSentinel,
  type RedisSentinelEvents,
} from './resp/sentinel/sentinel-client.js';
export { SentinelError, type SentinelErrorCode } from './resp/sentinel/sentinel-error.js';
export {
  DEFAULT_SENTINEL_FAILOVER_TIMEOUT,
  DEFAULT_SENTINEL_TIMEOUT,
  type SentinelOptions,
} from './resp/sentinel/sentinel-options.js';
export {
  createSubscriber,
  type PubSubMessage,
  RedisSubscriber,
  type RefusedSubscription,
  type SubscriberEvents,
  type SubscriberStats,
  type SubscriptionEvent,
  type SubscriptionKind,
} from './resp/subscriber.js';
export {
  ClusterSubscriber,
  type ClusterSubscriberOptions,
  createClusterSubscriber,
} from './resp/subscriber-cluster.js';
export { SubscriberClosedError, SubscriberDisconnectedError } from './resp/subscriber-errors.js';
export type {
  CallOptions as TransportCallOptions,
  RedisTransport,
  ReplicaAck,
  TransportTopology,
} from './resp/target.js';
export { TLS_VERSIONS, TlsError, type TlsErrorCode, type TlsOptions, type TlsVersion } from './resp/tls.js';
