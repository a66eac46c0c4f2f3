/**
 * Options of the {@link Producer}, their defaults, and the one place that validates them.
 */
import { randomUUID } from 'node:crypto';
import type { ChannelCredentials } from '@grpc/grpc-js';
import type { LaminarLogger, Logger } from '../log.js';
import type { RowEncodingName } from '../wire/row-batch-codec.js';
import { ProducerOptionsError } from './producer-errors.js';

export const DEFAULT_BATCH_ROWS = 5_000;
export const DEFAULT_LINGER_MS = 5;
export const DEFAULT_MAX_UNACKED_ROWS = 100_000;
/**
 * Target batch payload; a row larger than it goes alone in its batch (a worker takes messages up
 * to MAX_INGEST_MESSAGE_BYTES, src/wire/ingest-wire.ts).
 */
export const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;
export const DEFAULT_RETRY_TIMEOUT_MS = 60_000;
export const DEFAULT_OPEN_TIMEOUT_MS = 10_000;

export interface ProducerOptions {
  /**
   * The coordinator's gRPC address, `host:port`; with standby coordinators, all of their
   * addresses (an array, or one comma-separated string), or one name that resolves to each of
   * them (resolved again whenever the routing is fetched). The producer asks for the table's
   * routing at the one that answered last, then at the leader a standby names (`ERR_NOT_LEADER`),
   * then at the others in turn, and keeps to the one that answers — the lease holder
   * (docs/distributed.md).
   */
  coordinator: string | readonly string[];
  /** The connection table, by name or id. */
  table: string;
  /** Bearer token of the coordinator and the workers. */
  token?: string;
  /**
   * Identity of this producer: its sequence numbers are counted per (producer id, shard). Default:
   * a random UUID. Never share one id between two live producers; see docs/producer.md before
   * reusing one after a restart.
   */
  producerId?: string;
  /** Rows per batch (per shard). Default {@link DEFAULT_BATCH_ROWS}. */
  batchRows?: number;
  /** Longest a row waits for its batch to fill, ms. Default {@link DEFAULT_LINGER_MS}. */
  lingerMs?: number;
  /**
   * Rows written but not yet acknowledged durable (all shards together) before `write()` waits.
   * Default {@link DEFAULT_MAX_UNACKED_ROWS}.
   */
  maxUnackedRows?: number;
  /** Target payload size of a batch; larger batches are split. Default {@link DEFAULT_MAX_BATCH_BYTES}. */
  maxBatchBytes?: number;
  /**
   * Row encoding on the wire. `'keyed'`: the producer encodes each row into the Redis key, field
   * and value the table's sink writes (exact for bigint, Date and bytes too; the worker writes them
   * as they are) — a pipeline's ingest source, which has no table model, gets `'json'` instead.
   * `'json'`: JSON rows. `'v8'`: structured clones (keeps bigint, Date and bytes in rows).
   * Default `'keyed'`.
   */
  encoding?: RowEncodingName;
  /** Channel credentials (TLS) for the coordinator and the workers. Default insecure. */
  credentials?: ChannelCredentials;
  /** How long one outage of a shard may last before the producer fails, ms. Default {@link DEFAULT_RETRY_TIMEOUT_MS}. */
  retryTimeoutMs?: number;
  /** How long a worker may take to answer `open`, ms. Default {@link DEFAULT_OPEN_TIMEOUT_MS}. */
  openTimeoutMs?: number;
  /** Reconnects and failures are logged here. Default: nowhere (the producer is silent). */
  logger?: LaminarLogger;
}

/** Options after {@link parseProducerOptions}: every default filled in. */
export interface ResolvedProducerOptions {
  /** At least one address, in the order given. */
  coordinators: string[];
  table: string;
  token: string | undefined;
  producerId: string;
  batchRows: number;
  lingerMs: number;
  maxUnackedRows: number;
  maxBatchBytes: number;
  encoding: RowEncodingName;
  credentials: ChannelCredentials | undefined;
  retryTimeoutMs: number;
  openTimeoutMs: number;
  logger: Logger | undefined;
}

/**
 * Validates options up front and fills in defaults.
 *
 * @throws ProducerOptionsError naming the option.
 */
export function parseProducerOptions(o: ProducerOptions): ResolvedProducerOptions {
  if (typeof o !== 'object' || o === null) throw new ProducerOptionsError('options', 'must be an object');
  const text = (name: string, v: unknown): string => {
    if (typeof v !== 'string' || v === '') throw new ProducerOptionsError(name, 'must be a non-empty string');
    return v;
  };
  const int = (name: string, v: unknown, dflt: number, min: number): number => {
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      throw new ProducerOptionsError(name, `must be an integer >= ${min}`);
    }
    return v;
  };
  if (o.encoding !== undefined && o.encoding !== 'keyed' && o.encoding !== 'json' && o.encoding !== 'v8') {
    throw new ProducerOptionsError('encoding', "must be 'keyed', 'json' or 'v8'");
  }
  if (o.token !== undefined && typeof o.token !== 'string') {
    throw new ProducerOptionsError('token', 'must be a string');
  }
  return {
    coordinators: coordinatorAddresses(o.coordinator),
    table: text('table', o.table),
    token: o.token === '' ? undefined : o.token,
    producerId: o.producerId === undefined ? randomUUID() : text('producerId', o.producerId),
    batchRows: int('batchRows', o.batchRows, DEFAULT_BATCH_ROWS, 1),
    lingerMs: int('lingerMs', o.lingerMs, DEFAULT_LINGER_MS, 0),
    maxUnackedRows: int('maxUnackedRows', o.maxUnackedRows, DEFAULT_MAX_UNACKED_ROWS, 1),
    maxBatchBytes: int('maxBatchBytes', o.maxBatchBytes, DEFAULT_MAX_BATCH_BYTES, 1),
    encoding: o.encoding ?? 'keyed',
    credentials: o.credentials,
    retryTimeoutMs: int('retryTimeoutMs', o.retryTimeoutMs, DEFAULT_RETRY_TIMEOUT_MS, 0),
    openTimeoutMs: int('openTimeoutMs', o.openTimeoutMs, DEFAULT_OPEN_TIMEOUT_MS, 1),
    logger: o.logger,
  };
}

/**
 * The coordinator addresses of a `coordinator` option: an array, or a comma-separated string;
 * blanks around commas ignored.
 *
 * @throws ProducerOptionsError when none is given or one is empty.
 */
export function coordinatorAddresses(v: unknown): string[] {
  const list = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? (v as unknown[]) : null;
  if (list === null) throw new ProducerOptionsError('coordinator', 'must be a string or an array of strings');
  const out = list.map((a) => (typeof a === 'string' ? a.trim() : ''));
  if (out.length === 0 || out.some((a) => a === '')) {
    throw new ProducerOptionsError('coordinator', 'must name one or more non-empty host:port addresses');
  }
  return [...new Set(out)];
}
