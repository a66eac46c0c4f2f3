import { type RedisServer, type RedisServerOptions, startRedisServer } from './redis-server.js';

export interface AclRedis {
  server: RedisServer;
  /** Full access: `on >password ~* &* +@all`. */
  username: string;
  password: string;
  /** Read commands and connection handling only, for NOPERM tests. */
  reader: { username: string; password: string };
}

/** A server whose `default` user is disabled: every connection must AUTH as a named user. */
export async function startAclRedis(opts: RedisServerOptions = {}): Promise<AclRedis> {
  const username = 'laminar';
  const password = 's3cret-pass-xyz';
  const reader = { username: 'reader', password: 'r3ader-pass-xyz' };
  const config = [
    'user default off',
    `user ${username} on >${password} ~* &* +@all`,
    `user ${reader.username} on >${reader.password} ~* &* -@all +@read +@connection`,
    opts.config ?? '',
  ].join('\n');
  const server = await startRedisServer({ ...opts, config });
  return { server, username, password, reader };
}
