/**
 * What a coordinator that does not lead answers control calls with: a standby waiting for the
 * state store lease, or a leader that stepped down. It sends callers to the lease holder, as that
 * one advertised itself beside the lease (docs/state-store.md):
 *
 * - gRPC: `UNAVAILABLE`, `laminar-code: ERR_NOT_LEADER`, `laminar-leader: <its gRPC address>`
 *   (not-leader.ts); the project's clients retry there once;
 * - HTTP: `307 Temporary Redirect` to the same path and query on its HTTP API, or `503` with
 *   `ERR_NOT_LEADER` when no leader is known.
 *
 * The bearer token is checked first, as the leader would: an unauthenticated caller learns
 * nothing, not even where the leader is. Only addresses are ever revealed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metadata, ServiceError } from '@grpc/grpc-js';
import { type Logger, SILENT_LOGGER } from '../log.js';
import type { LeaderAddresses, LeaseHolder, StateLease } from '../storage/state-store.js';
import { checkAuthorization, checkGrpcAuth } from '../wire/auth.js';
import { toServiceError } from '../wire/grpc-status.js';
import { NOT_LEADER_CODE, notLeaderStatus } from '../wire/not-leader.js';

/** How long one read of the lease holder answers calls: a burst of calls costs one Redis read. */
const HOLDER_CACHE_MS = 250;

/** Paths whose answer is this process's own, never the leader's. */
const OWN_PATHS: ReadonlySet<string> = new Set(['/metrics']);

export interface FollowerOptions {
  lease: StateLease;
  /** The bearer token callers must carry (as on the leader); undefined or "": none. */
  token?: string;
  logger?: Logger;
}

/** Sends control calls to the leader. */
export class Follower {
  readonly #o: FollowerOptions;
  readonly #log: Logger;
  /** This coordinator's own advertised addresses: a holder naming them is never sent to (no loop). */
  #self: LeaderAddresses = {};
  #cached: { at: number; holder: LeaseHolder | null } | undefined;
  #reading: Promise<LeaseHolder | null> | null = null;

  constructor(options: FollowerOptions) {
    this.#o = options;
    this.#log = options.logger ?? SILENT_LOGGER;
  }

  /** Sets this coordinator's own addresses, so that a record naming them is not followed. */
  set self(addresses: LeaderAddresses) {
    this.#self = addresses;
  }

  /**
   * The leader as the state store names it, read at most every {@link HOLDER_CACHE_MS}; null
   * when none holds the lease, or the store cannot be read.
   */
  leader(): Promise<LeaseHolder | null> {
    const cached = this.#cached;
    if (cached !== undefined && Date.now() - cached.at < HOLDER_CACHE_MS)
      return Promise.resolve(cached.holder);
    this.#reading ??= this.#o.lease
      .holder()
      .catch((err: unknown) => {
        this.#log.warn({ err }, 'cannot read the state store lease holder');
        return null;
      })
      .then((holder) => {
        this.#cached = { at: Date.now(), holder };
        return holder;
      })
      .finally(() => {
        this.#reading = null;
      });
    return this.#reading;
  }

  /** The status a refused gRPC call gets: UNAUTHENTICATED, or not-leader naming the leader. */
  readonly grpcRefusal = async (metadata: Metadata): Promise<Partial<ServiceError>> => {
    try {
      checkGrpcAuth(this.#o.token, metadata);
    } catch (err) {
      return toServiceError(err);
    }
    const grpc = (await this.leader())?.grpc;
    return notLeaderStatus(grpc === this.#self.grpc ? undefined : grpc);
  };

  /** Answers an HTTP request that is not a probe. */
  async answerHttp(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    // Its body is not needed: a 307 makes the client send it again, to the leader.
    const close = bodyPending(req);
    req.resume();
    const headers: Record<string, string> = close ? { connection: 'close' } : {};
    try {
      checkAuthorization(this.#o.token, req.headers.authorization);
    } catch (err) {
      send(res, 401, 'ERR_UNAUTHENTICATED', 'UNAUTHENTICATED', (err as Error).message, {
        ...headers,
        'www-authenticate': 'Bearer',
      });
      return;
    }
    const http = OWN_PATHS.has(path) ? undefined : (await this.leader())?.http;
    const target = req.url ?? '/';
    if (http === undefined || http === this.#self.http || !target.startsWith('/')) {
      send(
        res,
        503,
        NOT_LEADER_CODE,
        'UNAVAILABLE',
        OWN_PATHS.has(path)
          ? 'this coordinator does not lead: ask the leader for its metrics'
          : 'this coordinator does not lead, and no leader is known now (none holds the lease, or it advertises no HTTP address)',
        { ...headers, 'retry-after': '1' },
      );
      return;
    }
    send(
      res,
      307,
      NOT_LEADER_CODE,
      'UNAVAILABLE',
      `this coordinator does not lead; the leader is at ${http}`,
      {
        ...headers,
        location: `http://${http}${target}`,
      },
      http,
    );
  }
}

/** True while a request's body is not wholly received. */
function bodyPending(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function send(
  res: ServerResponse,
  http: number,
  code: string,
  status: string,
  message: string,
  headers: Record<string, string>,
  leader?: string,
): void {
  const error: Record<string, string> = { code, status, message };
  if (leader !== undefined) error.leader = leader;
  const text = JSON.stringify({ error });
  res.writeHead(http, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}
