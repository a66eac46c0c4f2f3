import { EventEmitter } from 'node:events';
import { AuthenticationError, RedisClient } from '../client.js';
import type { EncodedCommands } from '../encoded-commands.js';
import { ClientClosedError, ConnectionError, ReplyError } from '../errors.js';
import { parseClientOptions } from '../options.js';
import type { Command, Reply } from '../reply.js';
import type { CallOptions, RedisTransport, ReplicaAck } from '../target.js';
import { formatAddress } from '../url.js';
import { SentinelError } from './sentinel-error.js';
import {
  type NormalizedSentinelOptions,
  parseSentinelOptions,
  type SentinelAddress,
  type SentinelOptions,
} from './sentinel-options.js';
import { SwitchWatch } from './switch-watch.js';

/** The events of a {@link RedisSentinel}: event name → listener arguments. */
export interface RedisSentinelEvents {
  /** A primary was found, verified (`ROLE` says `master`) and connected: at start and after each switch. */
  primary: [address: string];
  /** With `readFrom: 'replica'`: the server read from was connected (a replica, or the primary). */
  replica: [address: string];
}

const RETRY_DELAY = 50;
const MAX_RETRY_DELAY = 1_000;

/**
 * A client of a Sentinel-managed primary. It asks the Sentinels where the primary is (`SENTINEL
 * GET-MASTER-ADDR-BY-NAME`, one Sentinel after another), connects, and uses the server only once
 * it reports `role:master`. It follows `+switch-master` announcements and asks again whenever the
 * primary's connection is lost or a reply says `READONLY`. Create it with {@link createSentinel}.
 *
 * While no primary is usable, commands wait (at most `failoverTimeout`) rather than go to a
 * replica. A command that never left the client is sent to the next primary; a command whose
 * connection failed after it was written rejects with `ERR_CONNECTION_OUTCOME_UNKNOWN` and is
 * never resent, since Redis may have executed it. A pipeline whose every reply is an error, one
 * of them `READONLY`, reached a replica that applied none of it, and is sent again to the primary.
 */
export class RedisSentinel
  extends EventEmitter<RedisSentinelEvents>
  implements RedisTransport, AsyncDisposable
{
  /** One primary serves every key, as a standalone server does. */
  readonly topology = 'standalone';
  readonly #options: NormalizedSentinelOptions;
  readonly #watch: SwitchWatch;
  /** The connection in use: the primary (with `readFrom: 'replica'`, the server read from). */
  #primary: RedisClient | null = null;
  /**
   * The connection that took the commands since the last `WAIT` (null: none yet), and whether
   * some went to another one: a `WAIT` counts only the writes of its own connection.
   */
  #sinceWait: RedisClient | null = null;
  #mixed = false;
  #resolving: Promise<RedisClient> | null = null;
  /** Sentinel that answered last: asked first next time. */
  #preferred = 0;
  #closed = false;

  /** @internal use {@link createSentinel} */
  constructor(options: SentinelOptions) {
    super();
    this.#options = parseSentinelOptions(options);
    this.#watch = new SwitchWatch(this.#options, (host, port) => this.#switched(host, port));
  }

  /** The master name the Sentinels are asked about. */
  get masterName(): string {
    return this.#options.masterName;
  }

  /** `host:port` of the primary in use, or null while none is (during a failover, or with `readFrom: 'replica'`). */
  get primaryAddress(): string | null {
    return this.#options.readFrom === 'primary' ? (this.#primary?.address ?? null) : null;
  }

  /** `host:port` of the server commands go to (the primary, or a replica with `readFrom: 'replica'`), or null. */
  get address(): string | null {
    return this.#primary?.address ?? null;
  }

  /** Whether the primary's socket has bytes waiting in the process (see RedisTransport.isBlocked). */
  get isBlocked(): boolean {
    return this.#primary?.isBlocked ?? false;
  }

  send<T extends Reply = Reply>(command: Command, options?: CallOptions): Promise<T> {
    return this.#call((c) => c.send<T>(command, options), undefined);
  }

  pipeline(commands: readonly Command[], options?: CallOptions): Promise<Reply[]> {
    if (commands.length === 0) return Promise.resolve([]);
    return this.#call((c) => c.pipeline(commands, options), refusedByReplica);
  }

  /** Like {@link pipeline}: one primary serves every slot. */
  pipelineSlots(
    commands: readonly Command[],
    _slots: readonly number[],
    options?: CallOptions,
  ): Promise<Reply[]> {
    return this.pipeline(commands, options);
  }

  pipelineEncoded(encoded: EncodedCommands, options?: CallOptions): Promise<Reply[]> {
    if (encoded.count === 0) return Promise.resolve([]);
    return this.#call((c) => c.pipelineEncoded(encoded, options), refusedByReplica);
  }

  /**
   * `WAIT` on the primary's connection, as a standalone client does. When commands since the
   * previous `WAIT` went to a primary that is gone, it rejects (once) with
   * `ERR_CONNECTION_OUTCOME_UNKNOWN`: a `WAIT` on the new primary's connection would count none of
   * their writes, and report them replicated.
   */
  waitReplicas(
    count: number,
    timeoutMs: number,
    range: readonly [first: number, last: number],
  ): Promise<ReplicaAck[]> {
    const used = this.#sinceWait;
    const gone = this.#mixed || (used !== null && used !== this.#primary);
    this.#sinceWait = null;
    this.#mixed = false;
    if (gone) {
      return Promise.reject(
        new ConnectionError(
          `writes before WAIT went to a primary that is gone (${used?.address}); whether they were replicated is unknown`,
          true,
        ),
      );
    }
    return this.#call((c) => c.waitReplicas(count, timeoutMs, range), undefined);
  }

  /** Stops following the Sentinels and closes the primary's connection after its pending replies. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch.close();
    const primary = this.#primary;
    this.#primary = null;
    await primary?.close();
  }

  /** {@link RedisSentinel.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal Finds the first primary and starts following the Sentinels. */
  async connect(): Promise<void> {
    await this.#resolve(true);
    // A replica keeps serving reads through a switch; its lost connection is what matters.
    if (this.#options.readFrom === 'primary') this.#watch.start();
  }

  /**
   * Runs `op` on the primary, waiting for one while there is none. Only what provably did not run
   * is tried again: a command the connection never sent, or a `READONLY` refusal.
   */
  async #call<T>(op: (c: RedisClient) => Promise<T>, refused: ((r: T) => boolean) | undefined): Promise<T> {
    const deadline = Date.now() + this.#options.failoverTimeout;
    for (;;) {
      if (this.#closed) throw new ClientClosedError();
      const client = this.#primary ?? (await this.#waitPrimary(deadline));
      let result: T;
      try {
        result = await op(client);
      } catch (err) {
        const retry =
          (err instanceof ReplyError && err.prefix === 'READONLY' && this.#options.readFrom === 'primary') ||
          (err instanceof ConnectionError && !err.written) ||
          err instanceof ClientClosedError;
        if (!retry || this.#closed || Date.now() >= deadline) throw err;
        this.#drop(client);
        continue;
      }
      if (this.#options.readFrom === 'primary' && refused?.(result) && Date.now() < deadline) {
        this.#drop(client);
        continue;
      }
      if (this.#sinceWait === null) this.#sinceWait = client;
      else if (this.#sinceWait !== client) this.#mixed = true;
      return result;
    }
  }

  /** Waits for the running (or a new) search for the primary, at most until `deadline`. */
  async #waitPrimary(deadline: number): Promise<RedisClient> {
    const searching = this.#resolve(false);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SentinelError(
              'ERR_SENTINEL_NO_PRIMARY',
              `no primary of '${this.masterName}' became usable within ${this.#options.failoverTimeout} ms`,
              this.masterName,
            ),
          ),
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      return await Promise.race([searching, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One search at a time: concurrent callers share it. */
  #resolve(initial: boolean): Promise<RedisClient> {
    this.#resolving ??= this.#search(initial).finally(() => {
      this.#resolving = null;
    });
    return this.#resolving;
  }

  /**
   * Asks the Sentinels and connects until a server reports `role:master`, for at most
   * `failoverTimeout`. At start, Sentinels that cannot be reached or do not know the name fail
   * at once: a configuration error does not heal by waiting.
   */
  async #search(initial: boolean): Promise<RedisClient> {
    const deadline = Date.now() + this.#options.failoverTimeout;
    for (let attempt = 0; ; attempt++) {
      if (this.#closed) throw new ClientClosedError();
      let failure: unknown;
      try {
        const client =
          this.#options.readFrom === 'replica'
            ? await this.#openReplica()
            : await this.#openPrimary(await this.#askSentinels());
        if (this.#closed) {
          client.disconnect().catch(() => {});
          throw new ClientClosedError();
        }
        this.#install(client);
        return client;
      } catch (err) {
        failure = err;
      }
      // Refused credentials or ACL (NOPERM on ROLE) do not heal by waiting.
      if (
        failure instanceof AuthenticationError ||
        failure instanceof ClientClosedError ||
        (failure instanceof ReplyError && failure.prefix === 'NOPERM')
      ) {
        throw failure;
      }
      if (initial && failure instanceof SentinelError && failure.code !== 'ERR_SENTINEL_NO_PRIMARY') {
        throw failure;
      }
      if (Date.now() >= deadline) {
        throw new SentinelError(
          'ERR_SENTINEL_NO_PRIMARY',
          `no primary of '${this.masterName}' became usable within ${this.#options.failoverTimeout} ms: ${(failure as Error).message}`,
          this.masterName,
          { cause: failure },
        );
      }
      await sleep(backoff(attempt));
    }
  }

  /** The primary's address from the first Sentinel that knows the name. */
  async #askSentinels(): Promise<SentinelAddress> {
    const sentinels = this.#options.sentinels;
    const failures: string[] = [];
    let unknown = 0;
    let lastError: unknown;
    for (let i = 0; i < sentinels.length; i++) {
      const at = (this.#preferred + i) % sentinels.length;
      const sentinel = sentinels[at];
      const probe = new RedisClient(parseClientOptions({ ...this.#options.sentinel, ...sentinel }));
      try {
        await probe.connect();
        const reply = await probe.send(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterName]);
        if (Array.isArray(reply) && reply.length === 2) {
          this.#preferred = at;
          return { host: String(reply[0]), port: Number(reply[1]) };
        }
        unknown++;
      } catch (err) {
        lastError = err;
        failures.push(`${formatAddress(sentinel.host, sentinel.port)}: ${(err as Error).message}`);
      } finally {
        probe.disconnect().catch(() => {});
      }
    }
    if (unknown > 0) {
      throw new SentinelError(
        'ERR_SENTINEL_UNKNOWN_MASTER',
        `no Sentinel monitors a master named '${this.masterName}' (${unknown} of ${sentinels.length} answered)`,
        this.masterName,
        { cause: lastError },
      );
    }
    throw new SentinelError(
      'ERR_SENTINEL_UNREACHABLE',
      `no Sentinel answered for '${this.masterName}' (${failures.join('; ')})`,
      this.masterName,
      { cause: lastError },
    );
  }

  /**
   * A replica the Sentinels list as healthy, in random order so that readers spread; the primary
   * when none answers.
   */
  async #openReplica(): Promise<RedisClient> {
    for (const address of shuffle(await this.#askReplicas())) {
      const client = new RedisClient(parseClientOptions({ ...this.#options.data, ...address }));
      try {
        await client.connect();
        return client;
      } catch {
        client.disconnect().catch(() => {});
      }
    }
    return this.#openPrimary(await this.#askSentinels());
  }

  /** `SENTINEL REPLICAS <name>` from the first Sentinel that answers: the healthy ones. */
  async #askReplicas(): Promise<SentinelAddress[]> {
    for (const sentinel of this.#options.sentinels) {
      const probe = new RedisClient(parseClientOptions({ ...this.#options.sentinel, ...sentinel }));
      try {
        await probe.connect();
        const reply = await probe.send(['SENTINEL', 'REPLICAS', this.masterName]);
        return Array.isArray(reply) ? reply.flatMap(healthyReplica) : [];
      } catch {
        // The next Sentinel, and in the end the primary, will do.
      } finally {
        probe.disconnect().catch(() => {});
      }
    }
    return [];
  }

  /** Connects to `address` and keeps the connection only if the server reports `role:master`. */
  async #openPrimary(address: SentinelAddress): Promise<RedisClient> {
    const client = new RedisClient(parseClientOptions({ ...this.#options.data, ...address }));
    try {
      await client.connect();
      const role = await client.send(['ROLE']);
      const name = Array.isArray(role) ? String(role[0]) : 'unknown';
      if (name !== 'master') {
        throw new SentinelError(
          'ERR_SENTINEL_NO_PRIMARY',
          `${client.address}, named primary of '${this.masterName}' by a Sentinel, reports role '${name}'`,
          this.masterName,
        );
      }
      return client;
    } catch (err) {
      client.disconnect().catch(() => {});
      throw err;
    }
  }

  #install(client: RedisClient): void {
    const event = this.#options.readFrom === 'primary' ? 'primary' : 'replica';
    this.#primary = client;
    client.on('end', () => {
      if (this.#primary !== client) return;
      this.#primary = null;
      // Look for the next primary now, so that the next command finds it sooner.
      if (!this.#closed) this.#resolve(false).catch(() => {});
    });
    this.emit(event, client.address);
  }

  /** The primary is gone or demoted: close it gracefully (replies in flight still arrive). */
  #drop(client: RedisClient): void {
    if (this.#primary !== client) return;
    this.#primary = null;
    client.close().catch(() => {});
  }

  #switched(host: string, port: number): void {
    const current = this.#primary;
    if (current === null || current.address === formatAddress(host, port)) return;
    this.#drop(current);
    if (!this.#closed) this.#resolve(false).catch(() => {});
  }
}

/** One entry of `SENTINEL REPLICAS` (a map, or field/value pairs on RESP2) if it is usable. */
function healthyReplica(entry: Reply): SentinelAddress[] {
  const fields = new Map<string, string>();
  if (entry instanceof Map) for (const [k, v] of entry) fields.set(String(k), String(v));
  else if (Array.isArray(entry))
    for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]), String(entry[i + 1]));
  const flags = (fields.get('flags') ?? '').split(',');
  const port = Number(fields.get('port'));
  const down = flags.some((f) => f === 's_down' || f === 'o_down' || f === 'disconnected');
  if (down || fields.get('master-link-status') !== 'ok' || !fields.has('ip') || !(port > 0)) return [];
  return [{ host: fields.get('ip')!, port }];
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Every reply an error, one of them `READONLY`: a replica answered and applied nothing. */
function refusedByReplica(replies: Reply[]): boolean {
  let readonly = false;
  for (const r of replies) {
    if (!(r instanceof ReplyError)) return false;
    if (r.prefix === 'READONLY') readonly = true;
  }
  return readonly;
}

/** Exponential backoff with jitter, capped. */
function backoff(attempt: number): number {
  const ceiling = Math.min(MAX_RETRY_DELAY, RETRY_DELAY * 2 ** Math.min(attempt, 10));
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Connects to the primary that Sentinel names for `masterName`, verified to report
 * `role:master`, and returns a client that follows failovers.
 *
 * ```ts
 * const redis = await createSentinel({
 *   sentinels: ['redis://127.0.0.1:26379', 'redis://127.0.0.1:26380'],
 *   masterName: 'mymaster',
 *   password: 'data-secret', // the primary's
 *   sentinelPassword: 'sentinel-secret', // the Sentinels'
 * });
 * await redis.send(['SET', 'k', 'v']);
 * ```
 */
export async function createSentinel(options: SentinelOptions): Promise<RedisSentinel> {
  const client = new RedisSentinel(options);
  try {
    await client.connect();
  } catch (err) {
    await client.close();
    throw err;
  }
  return client;
}
