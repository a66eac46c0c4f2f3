/**
 * Which Redis the main job writes to, and how the sessions example's `{{ REDIS_PASSWORD }}` is
 * satisfied there (docs/examples.md):
 *
 * - `REDIS_URL` (default `redis://127.0.0.1:6379`) when something answers there. A password in
 *   the URL is the password: `REDIS_PASSWORD` is set to it. Otherwise a `REDIS_PASSWORD` already
 *   in the environment is used, for every example. Otherwise the server is asked whether it wants
 *   one: if not, `REDIS_PASSWORD` is set to a generated value, which a passwordless Redis accepts
 *   (its `default` user is `nopass`: any password authenticates through `HELLO 3 AUTH`), so the
 *   example runs as written, password option included.
 * - When nothing answers, a private redis-server on a free loopback port, started with a
 *   generated `requirepass`: `REDIS_PASSWORD` holds it, and every example reaches the server with
 *   `redis://:{{ REDIS_PASSWORD }}@127.0.0.1:PORT`, so the password is real and never written into
 *   a script or a log.
 */
import { randomBytes } from 'node:crypto';
import { isRedisReachable } from '../dev/redis-reachable.js';
import { type RedisServer, startRedisServer } from '../dev/redis-server.js';
import { createClient } from '../resp/client.js';
import { ConfigError } from '../resp/errors.js';
import { parseRedisUrl } from '../resp/url.js';
import { DEFAULT_REDIS_URL } from './demo.js';

/** The variable the sessions example reads its password from (`password = '{{ REDIS_PASSWORD }}'`). */
export const PASSWORD_VARIABLE = 'REDIS_PASSWORD';

export interface RedisChoice {
  /** Address every example's sinks write to (may hold `{{ REDIS_PASSWORD }}`). */
  sinkAddress: string;
  /** Address to read back from, resolved (holds the password when there is one: never print it). */
  url: string;
  /** The address for people: no password. */
  shown: string;
  /** How the choice was made and how the password is satisfied, one line each. */
  notes: string[];
  /** The private server, when one was started. */
  server?: RedisServer;
}

const generated = () => randomBytes(18).toString('base64url');

/** The URL with its password (or the place for one) replaced by `password`. */
export function withPassword(url: string, password: string): string {
  const m = /^([a-z]+:\/\/)(?:([^:@/]*)(?::[^@/]*)?@)?(.*)$/is.exec(url);
  if (m === null) return url;
  return `${m[1]}${m[2] ?? ''}:${password}@${m[3]}`;
}

const REFERENCE = `{{ ${PASSWORD_VARIABLE} }}`;

/** Whether the server answers PING without a password. */
async function needsPassword(url: string): Promise<boolean> {
  try {
    const c = await createClient(url);
    try {
      await c.send(['PING']);
      return false;
    } finally {
      await c.close();
    }
  } catch (err) {
    const code = (err as { code?: string; prefix?: string }).code;
    if (code === 'ERR_AUTH' || (err as { prefix?: string }).prefix === 'NOAUTH') return true;
    throw err;
  }
}

/**
 * Picks the Redis of the main job and sets `REDIS_PASSWORD` in `env` (the environment of the jobs,
 * which run in this process). The caller stops `server` when there is one.
 */
export async function chooseRedis(
  requested: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RedisChoice> {
  const url = requested ?? env.REDIS_URL ?? DEFAULT_REDIS_URL;
  const target = parseRedisUrl(url);
  const host = target.host ?? '127.0.0.1';
  const port = target.port ?? 6379;
  const shown = `${url.startsWith('rediss:') ? 'rediss' : 'redis'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (!(await isRedisReachable(host, port))) {
    const password = generated();
    // The CLI stops the jobs on Ctrl-C, then reads back and stops the server itself.
    const server = await startRedisServer({ config: `requirepass ${password}\n`, killOnSignals: false });
    env[PASSWORD_VARIABLE] = password;
    return {
      sinkAddress: withPassword(server.url, REFERENCE),
      url: withPassword(server.url, encodeURIComponent(password)),
      shown: server.url,
      server,
      notes: [
        `nothing answered at ${shown}: started a private redis-server at ${server.url}, stopped at the end`,
        `it requires a generated password, put in ${PASSWORD_VARIABLE} for the jobs: the sessions example's ` +
          `password = '{{ ${PASSWORD_VARIABLE} }}' authenticates with it, the other examples reach the server ` +
          `through ${withPassword(server.url, REFERENCE)}`,
      ],
    };
  }
  const notes = [`writing to ${shown}; the keys are left there (session keys expire after their TTL)`];
  if (target.password !== undefined) {
    env[PASSWORD_VARIABLE] = target.password;
    notes.push(`${PASSWORD_VARIABLE} is set to the password of the Redis URL for the sessions example`);
    return { sinkAddress: url, url, shown, notes };
  }
  const given = env[PASSWORD_VARIABLE];
  if (given !== undefined && given !== '') {
    notes.push(`${PASSWORD_VARIABLE} from the environment authenticates every example`);
    return {
      sinkAddress: withPassword(url, REFERENCE),
      url: withPassword(url, encodeURIComponent(given)),
      shown,
      notes,
    };
  }
  if (await needsPassword(url)) {
    throw new ConfigError(
      `the Redis at ${shown} asks for a password: put it in REDIS_URL (redis://:PASSWORD@host:port) or in ${PASSWORD_VARIABLE}`,
      'REDIS_URL',
    );
  }
  env[PASSWORD_VARIABLE] = generated();
  notes.push(
    `that Redis has no password, so the sessions example's password = '{{ ${PASSWORD_VARIABLE} }}' is ` +
      `satisfied with a generated value: a passwordless Redis accepts any password for its default user ` +
      `(HELLO 3 AUTH), and the script runs as written`,
  );
  return { sinkAddress: url, url, shown, notes };
}
