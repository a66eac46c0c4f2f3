/**
 * The worker's Ingest service: producers' `Write` streams into the IngestSources of the shards
 * this worker hosts. See {@link WriteSession} for the protocol of one stream and the statuses.
 */
import { status } from '@grpc/grpc-js';
import type { Logger } from '../log.js';
import { checkGrpcAuth } from '../wire/auth.js';
import type { IngestServer } from '../wire/gen/laminar/redis/v1/ingest.js';
import type { HostedShard, ShardDirectory } from './hosted-shard.js';
import { type ShardWatch, WriteSession } from './write-session.js';

export interface IngestServiceOptions {
  logger: Logger;
  /** When set, every call needs `authorization: Bearer <token>` metadata (else UNAUTHENTICATED). */
  token?: string;
}

/**
 * The `Ingest` service implementation over the shards of `directory`; register it with
 * `server.addService(IngestService, createIngestService(directory, options))`.
 */
export function createIngestService(directory: ShardDirectory, options: IngestServiceOptions): IngestServer {
  const watch = new EndedShardWatch();
  const { logger, token } = options;
  return {
    write(call) {
      try {
        checkGrpcAuth(token, call.metadata);
      } catch (err) {
        // The message never echoes what was presented.
        const details = (err as Error).message;
        call.emit('error', { code: status.UNAUTHENTICATED, details, message: details });
        return;
      }
      new WriteSession(call, directory, watch, logger).start();
    },
  };
}

/**
 * Ends every session of a shard when the shard ends (revoked, failed, worker stopping), with one
 * subscription to `ended` per shard rather than one per stream: producers reconnect often over a
 * shard's life, and each subscription would live until the shard ends.
 */
class EndedShardWatch implements ShardWatch {
  readonly #sessions = new WeakMap<HostedShard, Set<WriteSession>>();
  readonly #ended = new WeakSet<HostedShard>();

  add(shard: HostedShard, session: WriteSession): void {
    if (this.#ended.has(shard)) {
      session.shardEnded();
      return;
    }
    let set = this.#sessions.get(shard);
    if (set === undefined) {
      const sessions = new Set<WriteSession>();
      set = sessions;
      this.#sessions.set(shard, sessions);
      shard.ended.then(
        () => this.#onEnded(shard, sessions),
        () => this.#onEnded(shard, sessions),
      );
    }
    set.add(session);
  }

  remove(shard: HostedShard, session: WriteSession): void {
    this.#sessions.get(shard)?.delete(session);
  }

  #onEnded(shard: HostedShard, sessions: Set<WriteSession>): void {
    this.#ended.add(shard);
    for (const s of [...sessions]) s.shardEnded();
    sessions.clear();
  }
}
