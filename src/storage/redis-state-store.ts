import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import { createClient } from '../resp/client.js';
import { createCluster } from '../resp/cluster/cluster-client.js';
import type { Reply } from '../resp/reply.js';
import type { RedisTransport } from '../resp/target.js';
import { formatAddress, parseRedisUrl } from '../resp/url.js';
import { redactAddress } from '../schema/secrets.js';
import { DEFAULT_CHUNK_BYTES } from './checkpoint-chunks.js';
import { addressesJson, readLeaderRecord } from './leader-record.js';
import { RedisJobState } from './redis-job-state.js';
import { runScript, stateCall, stateError } from './redis-state-call.js';
import { StateKeys } from './redis-state-keys.js';
import { ACQUIRE_LEASE, INIT, RELEASE_LEASE, RENEW_LEASE, WRITE_META } from './redis-state-scripts.js';
import { StateStoreError } from './state-errors.js';
import { resolveStateUrl } from './state-location.js';
import {
  type JobState,
  type LeaderAddresses,
  type LeaseGrant,
  type LeaseHolder,
  type MetadataDocument,
  STATE_FORMAT_VERSION,
  type StateLease,
  type StateStore,
  type WriteFence,
} from './state-store.js';

export interface RedisStateStoreOptions {
  /** The store's Redis: `redis://` or `rediss://`, `{{ VAR }}` references allowed. */
  url: string;
  /** The store's name inside that Redis (the hash tag `{laminar-state:<name>}`). */
  name: string;
  /** Where `{{ VAR }}` references resolve. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Largest checkpoint chunk, bytes. Default {@link DEFAULT_CHUNK_BYTES}. */
  chunkBytes?: number;
  /** Longest a command waits for its reply, ms. Default 10 000. */
  commandTimeout?: number;
  /** Where damaged checkpoints are reported. Default: nowhere. */
  logger?: Logger;
}

/** Default command timeout of the state store's connection. */
export const DEFAULT_STATE_COMMAND_TIMEOUT_MS = 10_000;

/**
 * A state store in Redis, standalone or Cluster (told apart by asking the server). Every key of
 * the store shares one hash tag, so every write is one atomic script on one master. See
 * redis-state-keys.ts for the layout, redis-state-scripts.ts for the checks each write makes.
 */
export class RedisStateStore implements StateStore {
  readonly kind = 'redis';
  readonly id: string;
  readonly where: string;
  readonly metadata: MetadataDocument;
  readonly lease: StateLease;
  readonly #redis: RedisTransport;
  readonly #keys: StateKeys;
  readonly #o: RedisStateStoreOptions;
  /** The coordinator's epoch once it holds the lease: every coordinator write carries it. */
  #epoch: number | undefined;

  private constructor(redis: RedisTransport, keys: StateKeys, id: string, options: RedisStateStoreOptions) {
    this.#redis = redis;
    this.#keys = keys;
    this.#o = options;
    this.id = id;
    this.where = `${redactAddress(options.url)} (store ${options.name})`;
    this.metadata = new RedisMetadata(redis, keys, this.where, () => this.#epoch);
    this.lease = new RedisLease(redis, keys, (epoch) => {
      this.#epoch = epoch;
    });
  }

  /**
   * Connects and opens the store: an empty store is given this build's format version and an
   * id; a store of another format version is refused (`ERR_STATE_VERSION`), nothing written.
   */
  static async open(options: RedisStateStoreOptions): Promise<RedisStateStore> {
    const keys = new StateKeys(options.name);
    const redis = await connectStateRedis(resolveStateUrl(options.url, options.env), options);
    try {
      const id = await runScript(
        redis,
        INIT,
        [keys.format, keys.epoch, keys.epoch, keys.id],
        [String(STATE_FORMAT_VERSION), '', '', randomBytes(16).toString('hex')],
        'open the state store',
      );
      return new RedisStateStore(redis, keys, String(id), options);
    } catch (err) {
      await redis.close().catch(() => {});
      throw err;
    }
  }

  /** The coordinator epoch this store's writes carry (undefined before the lease is taken). */
  get epoch(): number | undefined {
    return this.#epoch;
  }

  /**
   * Job scopes of the coordinator (`tables/...`) are fenced by its epoch once it holds the lease;
   * a job attempt's writes add its generation.
   */
  job(scope: string, options: { keep?: number } = {}): JobState {
    const epoch = this.#epoch;
    return new RedisJobState({
      redis: this.#redis,
      keys: this.#keys,
      scope,
      shown: this.where,
      keep: options.keep ?? 3,
      chunkBytes: this.#o.chunkBytes ?? DEFAULT_CHUNK_BYTES,
      fence: epoch === undefined ? undefined : { epoch },
      logger: this.#o.logger,
    });
  }

  async close(): Promise<void> {
    await this.#redis.close();
  }
}

/** The metadata document: one value, replaced whole by a fenced script. */
class RedisMetadata implements MetadataDocument {
  constructor(
    readonly redis: RedisTransport,
    readonly keys: StateKeys,
    readonly where: string,
    readonly epoch: () => number | undefined,
  ) {}

  async read(): Promise<string | undefined> {
    const reply = await stateCall(this.redis, ['GET', this.keys.meta], 'read the metadata');
    return reply === null || reply === undefined ? undefined : String(reply);
  }

  async write(text: string, fence?: WriteFence): Promise<void> {
    const epoch = fence?.epoch ?? this.epoch();
    await runScript(
      this.redis,
      WRITE_META,
      [this.keys.format, this.keys.epoch, this.keys.epoch, this.keys.meta, this.keys.metaVersion],
      [String(STATE_FORMAT_VERSION), epoch === undefined ? '' : String(epoch), '', text],
      'write the metadata',
    );
  }
}

/** The lease: SET NX PX and INCR of the epoch in one script (redis-state-scripts.ts). */
class RedisLease implements StateLease {
  constructor(
    readonly redis: RedisTransport,
    readonly keys: StateKeys,
    readonly onEpoch: (epoch: number | undefined) => void,
  ) {}

  #keys(): string[] {
    return [this.keys.format, this.keys.epoch, this.keys.epoch, this.keys.lease, this.keys.leader];
  }

  async acquire(ttlMs: number, addresses?: LeaderAddresses): Promise<LeaseGrant | null> {
    const owner = randomBytes(16).toString('hex');
    const reply = await runScript(
      this.redis,
      ACQUIRE_LEASE,
      this.#keys(),
      [String(STATE_FORMAT_VERSION), '', '', owner, String(ttlMs), addressesJson(addresses)],
      'take the coordinator lease',
    );
    if (reply === null || reply === undefined) return null;
    const epoch = Number(reply);
    this.onEpoch(epoch);
    return { epoch, owner };
  }

  async renew(grant: LeaseGrant, ttlMs: number, addresses?: LeaderAddresses): Promise<boolean> {
    const reply = await runScript(
      this.redis,
      RENEW_LEASE,
      this.#keys(),
      [
        String(STATE_FORMAT_VERSION),
        String(grant.epoch),
        '',
        grant.owner,
        String(ttlMs),
        addressesJson(addresses),
      ],
      'renew the coordinator lease',
    );
    return Number(reply) === 1;
  }

  async release(grant: LeaseGrant): Promise<void> {
    await runScript(
      this.redis,
      RELEASE_LEASE,
      this.#keys(),
      [String(STATE_FORMAT_VERSION), '', '', grant.owner],
      'release the coordinator lease',
    );
  }

  async holder(): Promise<LeaseHolder | null> {
    const [lease, record, epoch] = await stateCall<Reply[]>(
      this.redis,
      ['MGET', this.keys.lease, this.keys.leader, this.keys.epoch],
      'read the coordinator lease',
    );
    if (lease === null || lease === undefined) return null;
    return readLeaderRecord(record == null ? undefined : String(record), Number(epoch ?? 0));
  }
}

/**
 * Connects to the store's Redis: a standalone client, or a cluster client when the server says
 * it is a cluster node (`cluster_enabled:1`).
 */
async function connectStateRedis(url: string, options: RedisStateStoreOptions): Promise<RedisTransport> {
  let parsed: ReturnType<typeof parseRedisUrl>;
  try {
    parsed = parseRedisUrl(url);
  } catch (err) {
    throw new StateStoreError('ERR_STATE_URL', 'the --state Redis URL is not valid', { cause: err });
  }
  const commandTimeout = options.commandTimeout ?? DEFAULT_STATE_COMMAND_TIMEOUT_MS;
  let client: RedisTransport;
  try {
    client = await createClient({ ...parsed, commandTimeout, name: parsed.name ?? 'laminar-state' });
  } catch (err) {
    throw stateError(err, 'connect to its Redis');
  }
  let info: string;
  try {
    info = String(await client.send(['INFO', 'cluster']));
  } catch (err) {
    await client.close().catch(() => {});
    throw stateError(err, 'ask its Redis for its topology');
  }
  if (!/cluster_enabled:1/.test(info)) return client;
  await client.close();
  const host = parsed.host ?? '127.0.0.1';
  const port = parsed.port ?? 6379;
  try {
    return await createCluster({
      addresses: [`${parsed.tls ? 'rediss' : 'redis'}://${formatAddress(host, port)}`],
      username: parsed.username,
      password: parsed.password,
      tls: parsed.tls,
      commandTimeout,
      name: parsed.name ?? 'laminar-state',
    });
  } catch (err) {
    throw stateError(err, 'connect to its Redis Cluster');
  }
}
