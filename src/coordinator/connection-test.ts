/**
 * "Test connection" for profiles and tables: connect as a sink would (secrets resolved from this
 * process's environment), PING, read `INFO server`, and for a table look at the keys it would
 * write where they are fixed. Every failure becomes a result with `ok: false` and a message that
 * names what failed, never a secret.
 *
 * The endpoint connects wherever a caller asks, so its answer must not make it a port scanner or
 * a banner grabber: until a server has answered PING with PONG, every failure (nothing listening,
 * unreachable, timed out, TLS, a server that is not Redis) reads the same, and no byte a server
 * sent is ever shown — only fixed words (known Redis error prefixes, key types) chosen here. The
 * details go to the coordinator's log, for its operator.
 */
import { LaminarError } from '../errors.js';
import type { Logger } from '../log.js';
import { AuthenticationError } from '../resp/client.js';
import { ReplyError } from '../resp/errors.js';
import type { Command, Reply } from '../resp/reply.js';
import { SentinelError } from '../resp/sentinel/sentinel-error.js';
import type { ConnectionProfile } from '../schema/connection-profile.js';
import { resolveSecrets } from '../schema/secrets.js';
import { keyPrefixOf, type SinkTable } from '../sink/model.js';
import { connectProfile, type RedisTarget } from '../sink/redis-target.js';
import { hasFixedKey, writerOf } from '../sink/writers/index.js';
import type { TestResultView } from './control-views.js';
import { REDACTED_PASSWORD, redactUrlsInText } from './redact.js';

/** Default bound on a whole test: connect, PING, INFO and key checks. */
export const DEFAULT_TEST_TIMEOUT_MS = 5_000;

export interface ConnectionTestOptions {
  /** Bound on the whole test, ms. Default {@link DEFAULT_TEST_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Where `{{ VAR }}` secrets are resolved. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Where the reason of a failed test is logged in full (secrets scrubbed). Default: nowhere. */
  logger?: Logger;
}

/** Error prefixes of Redis worth naming to the caller: they say what to fix, and only Redis sends them. */
const KNOWN_PREFIXES = new Set([
  'WRONGPASS',
  'NOAUTH',
  'NOPERM',
  'LOADING',
  'MASTERDOWN',
  'READONLY',
  'BUSY',
]);

/** Key types a table test names; anything else is "another type". */
const KNOWN_TYPES = new Set(['string', 'list', 'set', 'zset', 'hash', 'stream']);

/** What a failure before PONG reads like, whatever it was. */
const NO_REDIS =
  "no Redis server answered at the profile's address (nothing listening, unreachable, too slow, or not Redis)";

class TestTimeout extends Error {}

/** Connects with a profile and reports the server's mode, version and PING latency. */
export function testProfileConnection(
  profile: ConnectionProfile,
  options: ConnectionTestOptions = {},
): Promise<TestResultView> {
  return runTest(profile, options, async () => []);
}

/**
 * Like {@link testProfileConnection} with the table's profile, and checks that keys the table
 * writes at a fixed name (no key column) are absent or of the table's type.
 */
export function testTableConnection(
  table: SinkTable,
  options: ConnectionTestOptions = {},
): Promise<TestResultView> {
  return runTest(table.profile, options, (target) => checkFixedKey(table, target));
}

async function runTest(
  profile: ConnectionProfile,
  options: ConnectionTestOptions,
  extra: (target: RedisTarget) => Promise<string[]>,
): Promise<TestResultView> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
  const secrets = secretsOf(profile, options.env);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TestTimeout()), timeoutMs);
  });
  let connecting: Promise<RedisTarget> | undefined;
  let target: RedisTarget | undefined;
  let stage = 'connect';
  /** PING was answered with PONG: a Redis server is there. */
  let answered = false;
  try {
    connecting = connectProfile(profile, options.env, { logger: options.logger });
    target = await Promise.race([connecting, deadline]);
    stage = 'PING';
    const started = process.hrtime.bigint();
    const [pong] = await Promise.race([target.pipeline([['PING']]), deadline]);
    const latencyUs = Number((process.hrtime.bigint() - started) / 1000n);
    if (pong instanceof Error) throw pong;
    if (String(pong) !== 'PONG') throw new Error('PING was not answered with PONG');
    answered = true;
    stage = 'INFO server';
    const [info] = await Promise.race([target.pipeline([['INFO', 'server']]), deadline]);
    if (info instanceof Error) throw info;
    const fields = parseInfo(typeof info === 'string' ? info : String(info));
    const mode =
      fields.redis_mode === 'cluster' || profile.connection.kind === 'cluster' ? 'cluster' : 'standalone';
    const version = fields.redis_version ?? '';
    const serverVersion = /^\d{1,4}(\.\d{1,4}){0,3}$/.test(version) ? version : '';
    stage = 'key check';
    const problems = await Promise.race([extra(target), deadline]);
    const reached = `Redis ${serverVersion} (${mode}), PING ${latencyUs} µs`;
    return problems.length === 0
      ? { ok: true, message: `connected to ${reached}`, mode, serverVersion, latencyUs }
      : {
          ok: false,
          message: `connected to ${reached}, but ${problems.join('; ')}`,
          mode,
          serverVersion,
          latencyUs,
        };
  } catch (err) {
    const detail =
      err instanceof TestTimeout ? `timed out after ${timeoutMs} ms` : scrub(describe(err), secrets);
    options.logger?.info({ stage, detail }, 'connection test failed');
    const why = reasonOf(err, answered, timeoutMs, secrets);
    return { ok: false, message: `${stage} failed: ${why}`, mode: '', serverVersion: '', latencyUs: 0 };
  } finally {
    clearTimeout(timer);
    if (target !== undefined) await target.close().catch(() => {});
    // A connect that loses the race against the deadline is closed once it settles.
    else connecting?.then((t) => t.close()).catch(() => {});
  }
}

/** Fixed key of the table (no key column), and the Redis type its writes need. */
function fixedKey(table: SinkTable): { key: string; type: string } | undefined {
  const t = table.target;
  const type = writerOf(t).redisType;
  // A channel is no key: nothing there can clash with a publish.
  return hasFixedKey(t) && type !== 'none' ? { key: keyPrefixOf(t), type } : undefined;
}

async function checkFixedKey(table: SinkTable, target: RedisTarget): Promise<string[]> {
  const fixed = fixedKey(table);
  if (fixed === undefined) return [];
  const command: Command = ['TYPE', fixed.key];
  const [type] = await target.pipeline([command]);
  if (type instanceof Error) throw type;
  const found = String(type as Reply);
  if (found === 'none' || found === fixed.type) return [];
  const shown = KNOWN_TYPES.has(found) ? `a ${found}` : 'a value of another type';
  return [`key '${fixed.key}' holds ${shown}, where table '${table.name}' writes a ${fixed.type}`];
}

/**
 * What the caller is told about a failure: the profile's own problems (a missing secret, bad
 * settings), Redis refusing (known prefixes only), or one fixed sentence.
 */
function reasonOf(err: unknown, answered: boolean, timeoutMs: number, secrets: readonly string[]): string {
  const code = err instanceof LaminarError ? err.code : undefined;
  // About the profile itself, not the server.
  if (code === 'ERR_SECRET_MISSING' || code === 'ERR_CONFIG' || code === 'ERR_SINK_CONFIG') {
    return scrub((err as Error).message, secrets);
  }
  // The Sentinels' own answers are about the profile (its master name, its Sentinel list).
  if (err instanceof SentinelError) return scrub(sentinelReason(err), secrets);
  const prefix = err instanceof AuthenticationError || err instanceof ReplyError ? err.prefix : undefined;
  const named = prefix !== undefined && KNOWN_PREFIXES.has(prefix) ? ` (${prefix})` : '';
  // Before PONG, only a known Redis refusal tells the caller anything: any server can send `-ERR`.
  if (err instanceof AuthenticationError && named !== '') return `Redis refused the login${named}`;
  if (err instanceof ReplyError && (answered || named !== '')) return `Redis answered with an error${named}`;
  if (!answered) return NO_REDIS;
  if (err instanceof TestTimeout) return `Redis did not answer within ${timeoutMs} ms`;
  return 'the connection to Redis failed';
}

/** `INFO` text as `field → value`. */
function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) out[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return out;
}

function describe(err: unknown): string {
  if (err instanceof LaminarError) {
    const inner = err.cause instanceof Error ? err.cause.message : '';
    const cause = inner !== '' && !err.message.includes(inner) ? `: ${inner}` : '';
    return `[${err.code}] ${err.message}${cause}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The profile's password, as written and as resolved, to scrub from messages. */
function secretsOf(profile: ConnectionProfile, env: NodeJS.ProcessEnv | undefined): string[] {
  const out: string[] = [];
  if (profile.password !== undefined && profile.password !== '') out.push(profile.password);
  try {
    const resolved = resolveSecrets(profile, env).password;
    if (resolved !== undefined && resolved !== '') out.push(resolved);
  } catch {
    // A missing variable is reported by the connect step itself.
  }
  return out;
}

/**
 * Belt and braces: the client's messages already avoid secrets, but a message built from a
 * socket error or a server reply is checked once more for the password and URL user info.
 */
function scrub(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) out = out.split(s).join(REDACTED_PASSWORD);
  return redactUrlsInText(out);
}

function sentinelReason(err: SentinelError): string {
  if (err.code === 'ERR_SENTINEL_UNKNOWN_MASTER')
    return `no Sentinel monitors a master named '${err.masterName}'`;
  if (err.code === 'ERR_SENTINEL_UNREACHABLE') {
    return "no Sentinel answered at the profile's Sentinel addresses (nothing listening, unreachable, too slow, or the Sentinel login refused)";
  }
  return `no server the Sentinels named as primary of '${err.masterName}' answered as master`;
}
