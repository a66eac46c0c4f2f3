/**
 * The coordinator's state, wherever it lives: metadata (profiles, tables, pipelines, epochs),
 * the checkpoints of tables and pipelines, and the generations of job attempts. Two
 * implementations: the local data directory (one machine, the default) and Redis (`--state
 * redis://...`, nothing shared between machines but Redis).
 *
 * Every write is atomic (a checkpoint is whole or absent, a metadata document replaced whole),
 * and fenced: the coordinator's writes carry the epoch of its lease, a job attempt's carry its
 * generation, and a write whose token is no longer the current one is refused with
 * `ERR_STATE_FENCED`, so a superseded writer can never overwrite its successor's state.
 */
import type { Checkpoint } from './checkpoint-store.js';

/** The format version this build writes; a store written by a newer one is refused. */
export const STATE_FORMAT_VERSION = 1;

/**
 * Who makes a write, checked by the store before it writes anything. A field left out is not
 * checked; a local store checks neither (its directory lock and the job's own generation check
 * before each checkpoint stand for them).
 */
export interface WriteFence {
  /** The coordinator's lease epoch; refused unless it is the store's current epoch. */
  epoch?: number;
  /** A job attempt's generation; refused unless it is the scope's current generation. */
  generation?: number;
}

/**
 * The checkpoints of one scope (a table, a pipeline), oldest pruned past `keep`. The shape of
 * {@link CheckpointStore}, which is the local implementation.
 */
export interface CheckpointLog {
  /**
   * Records a checkpoint, whole or not at all. Rejects with `ERR_CHECKPOINT_ID_NOT_INCREASING`
   * when its id is not above every recorded one, `ERR_STATE_FENCED` when `fence` is stale.
   */
  write(cp: Checkpoint, fence?: WriteFence): Promise<void>;
  /** The newest valid checkpoint, or null. */
  latest(): Promise<Checkpoint | null>;
  /** The smallest id {@link write} accepts now. */
  nextId(): Promise<number>;
  /** Ids recorded, ascending. */
  list(): Promise<number[]>;
}

/** One job's durable state: its checkpoints, its identity and its generation counter. */
export interface JobState extends CheckpointLog {
  /** Where it lives, for people (a directory, or `redis <address> <scope>`; no password). */
  readonly where: string;
  /** The job's identity (the owner of its exactly-once fences), made on first use. */
  identity(): Promise<string>;
  /** The current generation (0: none yet). */
  readGeneration(): Promise<number>;
  /** Raises the generation to `max(current, atLeast - 1) + 1`, durably, and returns it. */
  raiseGeneration(atLeast?: number): Promise<number>;
}

/** The metadata document: read whole, replaced whole. */
export interface MetadataDocument {
  /** The document's text, or undefined when none was written yet. */
  read(): Promise<string | undefined>;
  /** Replaces it atomically; the coordinator's epoch fences it. */
  write(text: string, fence?: WriteFence): Promise<void>;
  /** Where it lives, for error messages (no password). */
  readonly where: string;
}

/** A lease on the store: who coordinates, and the epoch that fences everyone else. */
export interface LeaseGrant {
  /** The fencing token: strictly greater than every earlier holder's. */
  epoch: number;
  /** The holder's token (random per acquisition). */
  owner: string;
}

/**
 * Where the lease holder answers, as it advertises itself (`--advertise`): what a standby sends
 * callers to. Addresses only — never a token or a password: anyone who can read the store's
 * keys, and any caller redirected by a standby, sees them.
 */
export interface LeaderAddresses {
  /** `host:port` of its gRPC server (Control and Coordination services). */
  grpc?: string;
  /** `host:port` of its HTTP/JSON API. */
  http?: string;
}

/** Who holds the lease now: its epoch, and the addresses it advertised (if any). */
export interface LeaseHolder extends LeaderAddresses {
  epoch: number;
}

/** The coordinator lease: one holder at a time, renewed, taken over when it lapses. */
export interface StateLease {
  /**
   * Takes the lease if nobody holds it (or it lapsed): a new epoch, one above every earlier
   * one, is made in the same step, and `addresses` recorded beside it (or the previous
   * holder's removed). Null when another holder's lease is live.
   */
  acquire(ttlMs: number, addresses?: LeaderAddresses): Promise<LeaseGrant | null>;
  /**
   * Extends the lease, and records `addresses` beside it when given (in the same fenced step);
   * false when it is no longer ours (it lapsed and was taken).
   */
  renew(grant: LeaseGrant, ttlMs: number, addresses?: LeaderAddresses): Promise<boolean>;
  /** Gives it up (only if still ours), so a standby takes over without waiting for the TTL. */
  release(grant: LeaseGrant): Promise<void>;
  /**
   * The live holder and the addresses it advertised for its epoch (none when it advertised
   * none, or the record is a predecessor's); null when nobody holds the lease.
   */
  holder(): Promise<LeaseHolder | null>;
}

/** A state store, opened. */
export interface StateStore {
  /** `local` or `redis`. */
  readonly kind: 'local' | 'redis';
  /** The store's identity, made on first use: workers refuse a coordinator of another store. */
  readonly id: string;
  /** The location for people: a directory, or a Redis address and store name (no password). */
  readonly where: string;
  /** The coordinator's metadata. */
  readonly metadata: MetadataDocument;
  /** The coordinator lease and its epochs. */
  readonly lease: StateLease;
  /**
   * The state of the job named `scope` (`tables/<id>`, `pipelines/<id>`), keeping `keep`
   * checkpoints (default 3).
   */
  job(scope: string, options?: { keep?: number }): JobState;
  /** Closes connections; the state stays. */
  close(): Promise<void>;
}
