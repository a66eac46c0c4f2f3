/** Where Redis is and how to log in: the connection profile every table and lookup names. */

/** Where Redis is: one node, or seeds of a cluster. Addresses may contain `{{ VAR }}`. */
export type RedisConnection =
  | { kind: 'standalone'; address: string }
  | { kind: 'cluster'; addresses: string[] };

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
}
