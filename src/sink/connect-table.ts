import { createPool } from '../resp/pool.js';
import type { ConnectOptions } from '../schema/connect.js';
import { connectProfile } from '../schema/connect.js';
import { DEFAULT_CONNECTIONS_PER_NODE, DEFAULT_MAX_PIPELINES_IN_FLIGHT, type SinkTable } from './model.js';
import type { RedisTarget } from './redis-target.js';

/**
 * Connects what a sink table writes through: `connectionsPerNode` connections of its profile
 * (standalone clients, or cluster clients: each one connection per node) behind one pool that
 * routes by key slot and bounds each connection's pipelines in flight (resp/pool.ts). An
 * `exactly_once` table has one connection per node (validation refuses more): its fenced calls
 * and the commands after them must keep their order on one connection.
 *
 * @throws MissingSecretError naming a variable that is not set.
 * @throws ConnectionError (or AuthenticationError, ClusterError) when Redis cannot be reached.
 */
export async function connectTable(
  table: SinkTable,
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: ConnectOptions = {},
): Promise<RedisTarget> {
  const n =
    table.connectionsPerNode ?? (table.delivery === 'exactly_once' ? 1 : DEFAULT_CONNECTIONS_PER_NODE);
  const settled = await Promise.allSettled(
    Array.from({ length: n }, () => connectProfile(table.profile, env, options)),
  );
  const members = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.allSettled(members.map((m) => m.close()));
    throw failed.reason;
  }
  return createPool(members, {
    maxPipelinesInFlight: table.maxPipelinesInFlight ?? DEFAULT_MAX_PIPELINES_IN_FLIGHT,
  });
}
