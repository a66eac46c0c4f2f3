/** Where Redis is and how to log in: the connection profile every table and lookup names. */

import type { TlsProfile } from './tls-profile.js';

/**
 * Where Redis is: one node, seeds of a cluster, or the Sentinels of a primary. Addresses and
 * Sentinel credentials may contain `{{ VAR }}`.
 */
export type RedisConnection =
  | { kind: 'standalone'; address: string }
  | { kind: 'cluster'; addresses: string[] }
  | SentinelConnection;

/**
 * A Sentinel-managed primary: the Sentinels' addresses (`redis://host:26379`) and the name they
 * monitor it under. `sentinelUsername`/`sentinelPassword` log in to the Sentinels; the profile's
 * own `username`/`password` log in to the primary.
 */
export interface SentinelConnection {
  kind: 'sentinel';
  sentinels: string[];
  masterName: string;
  sentinelUsername?: string;
  /** Never shown: redacted as the profile's password is. */
  sentinelPassword?: string;
}

/**
 * A connection profile: the `POST /v1/connection_profiles` body of the Laminar Redis connector
 * documentation, validated.
 */
export interface ConnectionProfile {
  name: string;
  connection: RedisConnection;
  /** May be `{{ VAR }}`; resolved only when connecting, never stored resolved. */
  username?: string;
  /** May be `{{ VAR }}`; resolved only when connecting, never stored resolved, never shown. */
  password?: string;
  /** TLS settings; with them the connection always uses TLS (addresses say `rediss://`). */
  tls?: TlsProfile;
}
