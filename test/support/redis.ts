/**
 * Real Redis servers for integration tests: plain, ACL, TLS and a cluster, all started on free
 * loopback ports by the harness in src/dev (shared with the benchmarks and the CLI). Checks shell
 * out to `redis-cli`, so they never depend on the client under test.
 */
import { type RedisServer, type RedisServerOptions, startRedisServer } from '../../src/dev/redis-server.js';

export type { ClusterNodeInfo } from '../../src/dev/cluster-nodes.js';
export { RedisHarnessError, RedisServerError } from '../../src/dev/errors.js';
export { findFreePort } from '../../src/dev/free-port.js';
export { type AclRedis, startAclRedis } from '../../src/dev/redis-acl.js';
export { type CliResult, cli, parseInfo, redisCli } from '../../src/dev/redis-cli.js';
export { type ClusterOptions, type RedisCluster, startCluster } from '../../src/dev/redis-cluster.js';
export { isRedisReachable } from '../../src/dev/redis-reachable.js';
export {
  type RedisServer,
  type RedisServerOptions,
  startRedisServer as startRedis,
} from '../../src/dev/redis-server.js';
export { startTlsRedis, type TlsRedis } from '../../src/dev/redis-tls.js';
export { makeTlsMaterial, type TlsFiles, type TlsMaterial } from '../../src/dev/tls-files.js';
export { SLOT_COUNT as SLOTS } from '../../src/resp/cluster/key-slot.js';

/** Starts a server, runs `fn` against it and always stops it. */
export async function withRedis<T>(
  fn: (server: RedisServer) => Promise<T>,
  opts?: RedisServerOptions,
): Promise<T> {
  const server = await startRedisServer(opts);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}
