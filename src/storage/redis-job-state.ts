import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import { SILENT_LOGGER } from '../log.js';
import type { Reply } from '../resp/reply.js';
import type { RedisTransport } from '../resp/target.js';
import { CHUNKS_IN_FLIGHT, type ChunkManifest, parseManifest, splitChunks } from './checkpoint-chunks.js';
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from './checkpoint-store.js';
import { runScript, stateCall, stateError } from './redis-state-call.js';
import { chunkKey, type JobKeys, type StateKeys } from './redis-state-keys.js';
import { JOB_IDENTITY, PUBLISH, RAISE_GENERATION } from './redis-state-scripts.js';
import { StateStoreError } from './state-errors.js';
import { type JobState, STATE_FORMAT_VERSION, type WriteFence } from './state-store.js';

/** How long the chunks of a checkpoint that was never published live: one hour. */
const PENDING_CHUNK_TTL_MS = 3_600_000;

export interface RedisJobStateOptions {
  redis: RedisTransport;
  keys: StateKeys;
  scope: string;
  /** Where the store is, for people (no password). */
  shown: string;
  keep: number;
  chunkBytes: number;
  /** The fence every write carries unless the call gives its own (the coordinator's epoch). */
  fence?: WriteFence;
  logger?: Logger;
}

/**
 * One job's state in a Redis state store: checkpoints as chunks published by one script (whole
 * or absent), the generation and the identity. Writes carry the job attempt's generation and,
 * for the coordinator's own scopes, its epoch; a stale one is refused (`ERR_STATE_FENCED`).
 */
export class RedisJobState implements JobState {
  readonly where: string;
  readonly #o: RedisJobStateOptions;
  readonly #keys: JobKeys;
  /** Serialises this object's checkpoint writes, so ids are published in call order. */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: RedisJobStateOptions) {
    this.#o = options;
    this.#keys = options.keys.job(options.scope);
    this.where = `${options.shown} ${options.scope}`;
  }

  /** Keys and fence arguments shared by every script: format, epoch, generation. */
  #prelude(fence: WriteFence | undefined): { keys: string[]; args: string[] } {
    const f = { ...this.#o.fence, ...fence };
    return {
      keys: [this.#o.keys.format, this.#o.keys.epoch, this.#keys.generation],
      args: [
        String(STATE_FORMAT_VERSION),
        f.epoch === undefined ? '' : String(f.epoch),
        f.generation === undefined ? '' : String(f.generation),
      ],
    };
  }

  write(cp: Checkpoint, fence?: WriteFence): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = encodeCheckpoint(cp); // a bad checkpoint fails without touching Redis
    } catch (err) {
      return Promise.reject(err);
    }
    const run = this.#tail.then(() => this.#write(cp.id, bytes, fence));
    this.#tail = run.catch(() => {});
    return run;
  }

  async #write(id: number, bytes: Buffer, fence: WriteFence | undefined): Promise<void> {
    const { redis } = this.#o;
    const chunks = splitChunks(bytes, this.#o.chunkBytes);
    const manifest: ChunkManifest = {
      version: randomBytes(8).toString('hex'),
      chunks: chunks.length,
      bytes: bytes.length,
    };
    const keys = chunks.map((_, n) => chunkKey(this.#keys, manifest.version, n));
    // One chunk (the usual case): written by the publish script itself, one round trip.
    const inline = chunks.length === 1 ? [chunks[0]] : [];
    // Else chunks first, each with a TTL: invisible until published, and gone by themselves if
    // the publish never comes (a crash, a fenced writer).
    for (let at = 0; inline.length === 0 && at < chunks.length; at += CHUNKS_IN_FLIGHT) {
      const batch = [];
      for (let n = at; n < Math.min(at + CHUNKS_IN_FLIGHT, chunks.length); n++) {
        batch.push(['SET', keys[n], chunks[n], 'PX', PENDING_CHUNK_TTL_MS]);
      }
      let replies: unknown[];
      try {
        replies = await redis.pipeline(batch);
      } catch (err) {
        throw stateError(err, `write checkpoint ${id} of ${this.#o.scope}`);
      }
      const failed = replies.find((r) => r instanceof Error);
      if (failed !== undefined) throw stateError(failed, `write checkpoint ${id} of ${this.#o.scope}`);
    }
    const p = this.#prelude(fence);
    await runScript(
      redis,
      PUBLISH,
      [...p.keys, this.#keys.checkpoints, this.#keys.high, ...keys],
      [
        ...p.args,
        String(id),
        JSON.stringify(manifest),
        String(this.#o.keep),
        this.#keys.chunkPrefix,
        ...inline,
      ],
      `publish checkpoint ${id} of ${this.#o.scope}`,
    );
  }

  async #manifests(): Promise<Map<number, string>> {
    const flat = await stateCall(
      this.#o.redis,
      ['HGETALL', this.#keys.checkpoints],
      `list the checkpoints of ${this.#o.scope}`,
    );
    const out = new Map<number, string>();
    const entries: Array<[unknown, unknown]> =
      flat instanceof Map
        ? [...flat]
        : Array.isArray(flat)
          ? flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]] as [unknown, unknown]] : []))
          : [];
    for (const [k, v] of entries) {
      const id = Number(String(k));
      if (Number.isSafeInteger(id)) out.set(id, String(v));
    }
    return out;
  }

  async latest(): Promise<Checkpoint | null> {
    const manifests = await this.#manifests();
    const ids = [...manifests.keys()].sort((a, b) => b - a);
    const log = this.#o.logger ?? SILENT_LOGGER;
    for (const id of ids) {
      const manifest = parseManifest(manifests.get(id) as string);
      if (manifest === undefined) {
        log.warn({ store: this.where, checkpoint: id, reason: 'malformed' }, 'skipped damaged checkpoint');
        continue;
      }
      const keys = Array.from({ length: manifest.chunks }, (_, n) =>
        chunkKey(this.#keys, manifest.version, n),
      );
      const parts = await stateCall<Reply[]>(
        this.#o.redis,
        ['MGET', ...keys],
        `read checkpoint ${id} of ${this.#o.scope}`,
        true,
      );
      if (!parts.every((b) => Buffer.isBuffer(b))) {
        // Pruned between the listing and the read (a writer published meanwhile), or lost.
        log.warn({ store: this.where, checkpoint: id, reason: 'truncated' }, 'skipped damaged checkpoint');
        continue;
      }
      const result = decodeCheckpoint(Buffer.concat(parts as Buffer[]), id);
      if (result.ok) return result.checkpoint;
      log.warn(
        { store: this.where, checkpoint: id, reason: result.reason, detail: result.detail },
        'skipped damaged checkpoint',
      );
    }
    return null;
  }

  async nextId(): Promise<number> {
    const [high, ids] = await Promise.all([
      stateCall(this.#o.redis, ['GET', this.#keys.high], `read the ids of ${this.#o.scope}`),
      this.list(),
    ]);
    const h = high === null || high === undefined ? -1 : Number(String(high));
    return Math.max(Number.isSafeInteger(h) ? h : -1, ids.at(-1) ?? -1) + 1;
  }

  async list(): Promise<number[]> {
    return [...(await this.#manifests()).keys()].sort((a, b) => a - b);
  }

  async identity(): Promise<string> {
    const p = this.#prelude(undefined);
    const reply = await runScript(
      this.#o.redis,
      JOB_IDENTITY,
      [...p.keys, this.#keys.identity],
      [String(STATE_FORMAT_VERSION), '', '', randomBytes(16).toString('hex')],
      `make the identity of ${this.#o.scope}`,
    );
    return String(reply);
  }

  async readGeneration(): Promise<number> {
    const reply = await stateCall(
      this.#o.redis,
      ['GET', this.#keys.generation],
      `read the generation of ${this.#o.scope}`,
    );
    if (reply === null || reply === undefined) return 0;
    const n = Number(String(reply));
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new StateStoreError('ERR_STATE_IO', `the generation of ${this.#o.scope} is not a number`);
    }
    return n;
  }

  async raiseGeneration(atLeast = 1): Promise<number> {
    const p = this.#prelude(undefined);
    const reply = await runScript(
      this.#o.redis,
      RAISE_GENERATION,
      p.keys,
      [String(STATE_FORMAT_VERSION), '', '', String(atLeast)],
      `raise the generation of ${this.#o.scope}`,
    );
    return Number(reply);
  }
}
