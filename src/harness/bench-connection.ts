/**
 * Where the benchmark writes: the connection profile made from `--redis` (a URL), a profile body
 * or a `CREATE TABLE` statement, in the one form every path takes — the `POST
 * /v1/connection_profiles` body — plus the address and topology the report shows.
 */
import { createClient } from '../resp/client.js';
import { ReplyError } from '../resp/errors.js';
import { parseRedisUrl } from '../resp/url.js';
import type { ConnectionProfile } from '../schema/connection-profile.js';
import { resolveSecrets } from '../schema/secrets.js';
import { tlsClientOptions } from '../schema/tls-profile.js';
import { parseProfile } from '../sink/config/json.js';
import { parseCreateTable } from '../sink/config/sql-ddl.js';
import type { BenchRedis } from './bench-options.js';
import type { BenchSettings } from './bench-report.js';
import { BenchOptionsError } from './errors.js';

/** The profile in its validated and its body form, and what the report shows of it. */
export interface BenchConnection {
  profile: ConnectionProfile;
  /** The `config` of a `POST /v1/connection_profiles` body for `profile` (secrets as written). */
  config: Record<string, unknown>;
  /** Addresses without user info, comma-separated. */
  shown: string;
  topology: BenchSettings['topology'];
}

/**
 * The connection the benchmark uses. A single URL is asked whether it is a cluster node
 * (`INFO cluster`), so `--redis redis://node:7000` of a cluster writes through the cluster client.
 *
 * @throws BenchOptionsError for a URL that does not parse; the profile check's errors
 *   (`ERR_SINK_CONFIG`) for a profile or statement that does not validate; connection errors
 *   (`ERR_AUTH`, `ERR_CONNECTION_NOT_SENT`, ...) when the one URL cannot be reached.
 */
export async function benchConnection(
  redis: BenchRedis,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BenchConnection> {
  let profile: ConnectionProfile;
  if ('url' in redis) profile = await profileOfUrls(redis.url, redis.sentinelMaster, redis.tlsCa, env);
  else if ('profile' in redis) profile = parseProfile(redis.profile);
  else profile = (await parseCreateTable(redis.sql)).profile;
  return {
    profile,
    config: profileConfig(profile),
    shown: shownAddresses(profile),
    topology: profile.connection.kind,
  };
}

async function profileOfUrls(
  urls: string,
  sentinelMaster: string | undefined,
  tlsCa: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<ConnectionProfile> {
  const parts = urls
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (parts.length === 0) throw new BenchOptionsError('redis', 'needs at least one redis:// URL');
  let username: string | undefined;
  let password: string | undefined;
  const addresses = parts.map((u) => {
    let parsed: ReturnType<typeof parseRedisUrl>;
    try {
      parsed = parseRedisUrl(u);
    } catch (err) {
      // parseRedisUrl never echoes the URL, which may hold a password.
      throw new BenchOptionsError('redis', `is not a valid Redis URL: ${(err as Error).message}`);
    }
    username ??= parsed.username;
    password ??= parsed.password;
    return withoutUserInfo(u);
  });
  const base = {
    ...(tlsCa === undefined ? {} : { tls: { ca: tlsCa } }),
    name: 'bench',
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
  if (sentinelMaster !== undefined) {
    return parseProfile({
      name: 'bench',
      connector: 'redis',
      config: { ...credentials(base), connection: { sentinel: { addresses, masterName: sentinelMaster } } },
    });
  }
  if (addresses.length > 1) {
    return parseProfile({
      name: 'bench',
      connector: 'redis',
      config: { ...credentials(base), connection: { addresses } },
    });
  }
  const one = parseProfile({
    name: 'bench',
    connector: 'redis',
    config: { ...credentials(base), connection: { address: addresses[0] } },
  });
  if (!(await isClusterNode(one, env))) return one;
  return { ...one, connection: { kind: 'cluster', addresses } };
}

const credentials = (p: { username?: string; password?: string; tls?: unknown }) => ({
  ...(p.tls === undefined ? {} : { tls: p.tls }),
  ...(p.username === undefined ? {} : { username: p.username }),
  ...(p.password === undefined ? {} : { password: p.password }),
});

/** Whether the one node of a standalone profile runs in cluster mode. */
async function isClusterNode(profile: ConnectionProfile, env: NodeJS.ProcessEnv): Promise<boolean> {
  const resolved = resolveSecrets(profile, env);
  if (resolved.connection.kind !== 'standalone') return false;
  const client = await createClient(resolved.connection.address, {
    username: resolved.username,
    password: resolved.password,
    tls: tlsClientOptions(resolved.tls),
    // One try: a wrong address is reported at once, not after the reconnect schedule.
    reconnect: false,
  });
  try {
    const info = String(await client.send(['INFO', 'cluster']));
    return /^cluster_enabled:1\s*$/m.test(info);
  } catch (err) {
    // A server that refuses INFO is taken as it was given: one node.
    if (err instanceof ReplyError) return false;
    throw err;
  } finally {
    await client.close();
  }
}

/** The body form (`config` of `POST /v1/connection_profiles`) of a validated profile. */
export function profileConfig(p: ConnectionProfile): Record<string, unknown> {
  const c = p.connection;
  const connection =
    c.kind === 'standalone'
      ? { address: c.address }
      : c.kind === 'cluster'
        ? { addresses: c.addresses }
        : {
            sentinel: {
              addresses: c.sentinels,
              masterName: c.masterName,
              ...(c.sentinelUsername === undefined ? {} : { username: c.sentinelUsername }),
              ...(c.sentinelPassword === undefined ? {} : { password: c.sentinelPassword }),
            },
          };
  return { connection, ...credentials(p), ...(p.tls === undefined ? {} : { tls: { ...p.tls } }) };
}

function shownAddresses(p: ConnectionProfile): string {
  const c = p.connection;
  const list = c.kind === 'standalone' ? [c.address] : c.kind === 'cluster' ? c.addresses : c.sentinels;
  const shown = list.map(withoutUserInfo).join(',');
  return c.kind === 'sentinel' ? `${shown} (master ${c.masterName})` : shown;
}

/** A URL with any `user:password@` removed (never shown, never reported). */
export function withoutUserInfo(url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^@/]*@/i, '$1');
}
