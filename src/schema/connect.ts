import type { Logger } from '../log.js';
import { createClient } from '../resp/client.js';
import { createCluster } from '../resp/cluster/cluster-client.js';
import { createSentinel } from '../resp/sentinel/sentinel-client.js';
import type { RedisTransport } from '../resp/target.js';
import type { ConnectionProfile } from './connection-profile.js';
import { type ResolvedProfile, resolveSecrets } from './secrets.js';
import { tlsClientOptions } from './tls-profile.js';

/** Bounds a connection gives its commands; unset, the client's defaults hold. */
export interface ConnectOptions {
  /** Longest a command waits for its reply (or for a reconnect before it is sent), ms. */
  commandTimeout?: number;
  /**
   * Cluster and Sentinel: longest a command waits for its slot (cluster) or a primary (Sentinel)
   * to be served again after a failover, ms.
   */
  failoverTimeout?: number;
  /** Sentinel only: `'replica'` sends every command to a healthy replica (for readers). */
  readFrom?: 'replica';
  /** Where a connection made with `tls.insecure` is reported (a warning). Default: silent. */
  logger?: Logger;
}

/**
 * Connects for a profile, resolving `{{ VAR }}` secrets from `env` now (they are never stored
 * resolved): a standalone, cluster or Sentinel client, as the profile's connection says.
 *
 * @throws MissingSecretError naming a variable that is not set.
 * @throws ConnectionError (or AuthenticationError, ClusterError, SentinelError) when Redis cannot
 *   be reached.
 */
export async function connectProfile(
  profile: ConnectionProfile,
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: ConnectOptions = {},
): Promise<RedisTransport> {
  return connectResolved(resolveSecrets(profile, env), options);
}

/**
 * Connects for a profile whose secrets are resolved already, for callers that report a failure
 * to resolve apart from a failure to connect.
 */
export async function connectResolved(
  resolved: ResolvedProfile,
  options: ConnectOptions = {},
): Promise<RedisTransport> {
  const tls = tlsClientOptions(resolved.tls);
  if (tls?.insecure === true) {
    options.logger?.warn(
      { profile: resolved.name, option: 'tls.insecure' },
      `connection profile '${resolved.name}' skips TLS verification (tls.insecure): the server's certificate and name are not checked`,
    );
  }
  if (resolved.connection.kind === 'standalone') {
    return createClient(resolved.connection.address, {
      username: resolved.username,
      password: resolved.password,
      commandTimeout: options.commandTimeout,
      tls,
    });
  }
  if (resolved.connection.kind === 'sentinel') {
    const c = resolved.connection;
    return createSentinel({
      // The tls block is the primary's; the Sentinels share it when their addresses say rediss://.
      tls,
      sentinelTls: tls !== undefined && c.sentinels.some((a) => /^rediss:/i.test(a)) ? tls : undefined,
      sentinels: c.sentinels,
      masterName: c.masterName,
      sentinelUsername: c.sentinelUsername,
      sentinelPassword: c.sentinelPassword,
      username: resolved.username,
      password: resolved.password,
      commandTimeout: options.commandTimeout,
      failoverTimeout: options.failoverTimeout,
      readFrom: options.readFrom,
    });
  }
  return createCluster({
    addresses: resolved.connection.addresses,
    username: resolved.username,
    password: resolved.password,
    commandTimeout: options.commandTimeout,
    failoverTimeout: options.failoverTimeout,
    tls,
  });
}
