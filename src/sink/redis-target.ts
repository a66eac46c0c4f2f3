import { createClient, type RedisClient } from '../resp/client.js';
import { createCluster, type RedisCluster } from '../resp/cluster/cluster-client.js';
import type { Command, Reply } from '../resp/reply.js';
import type { ConnectionProfile } from '../schema/connection-profile.js';
import { resolveSecrets } from '../schema/secrets.js';

/** What the sink writes through: a standalone client or a cluster client. */
export interface RedisTarget {
  pipeline(commands: readonly Command[]): Promise<Reply[]>;
  close(): Promise<void>;
}

/**
 * Connects for a profile, resolving `{{ VAR }}` secrets from this process's environment now (they
 * are never stored resolved).
 */
export async function connectProfile(
  profile: ConnectionProfile,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RedisTarget> {
  const resolved = resolveSecrets(profile, env);
  if (resolved.connection.kind === 'standalone') {
    const client: RedisClient = await createClient(resolved.connection.address, {
      username: resolved.username,
      password: resolved.password,
    });
    return client;
  }
  const cluster: RedisCluster = await createCluster({
    addresses: resolved.connection.addresses,
    username: resolved.username,
    password: resolved.password,
  });
  return cluster;
}
