/**
 * The distributed workload, shared by the parent (distributed.ts), its client processes
 * (distributed-client.ts) and the verification (distributed-verify.ts): the rows, the table as the
 * HTTP API takes it, and what travels between the processes. Loads no client library.
 *
 * Row i is a pure function of i: `{ session, user, score, ts, page }`, ~105 bytes of JSON, keyed
 * by `session = i % SESSIONS`. So key k's last row is known without asking anyone, and a client
 * writing only keys ≡ p (mod producers) can generate its own rows.
 */
import type { RowEncodingName } from '../../src/wire/row-batch-codec.js';
import type { ErrorMessage } from '../common/child-process.js';
import type { ProcessFigures } from '../common/measure.js';
import { rowAt } from '../sink/sink-workload.js';

/** Distinct keys of the string table. */
export const SESSIONS = 100_000;
export const STRING_PREFIX = 'sess:';
export const TTL_SECS = 3_600;
export const TABLE_NAME = 'bench_sessions';

export type SessionRow = { session: number; user: string; score: number; ts: number; page: string };

/** Row i: the sink suite's row (sink-workload.ts) with `session` in place of its unique `id`. */
export function sessionRowAt(i: number): SessionRow {
  const r = rowAt(i);
  return { session: i % SESSIONS, user: r.user, score: r.score, ts: r.ts, page: r.page };
}

/** The last row written to key `session` when rows 0..count-1 were written in order. */
export function lastRowOf(session: number, count: number): number {
  return session + SESSIONS * Math.floor((count - 1 - session) / SESSIONS);
}

/** `POST /v1/connection_profiles` body of the bench's private redis-server. */
export function profileBody(port: number): Record<string, unknown> {
  return {
    name: 'bench',
    connector: 'redis',
    config: { connection: { address: `redis://127.0.0.1:${port}` } },
  };
}

/**
 * `POST /v1/connection_tables` body (without `connectionProfileId`): `SET sess:<session> <json> EX
 * 3600`, at-least-once, the five columns declared so the value is the row's JSON in this order.
 */
export function tableBody(batchSize: number): Record<string, unknown> {
  return {
    name: TABLE_NAME,
    connector: 'redis',
    config: {
      connectorType: { target: { keyPrefix: STRING_PREFIX, keyColumn: 'session', ttlSecs: TTL_SECS } },
      format: 'json',
      sink: { onError: 'fail', batchSize, flushIntervalMs: 100, delivery: 'at_least_once' },
    },
    schema: {
      fields: [
        { name: 'session', data_type: 'BIGINT', nullable: false },
        { name: 'user', data_type: 'TEXT', nullable: false },
        { name: 'score', data_type: 'DOUBLE', nullable: false },
        { name: 'ts', data_type: 'BIGINT', nullable: false },
        { name: 'page', data_type: 'TEXT', nullable: false },
      ],
    },
  };
}

/** What a client process is told (command line). */
export interface ClientArgs {
  /** `sink`: createSink in the client process; `producer`: a Producer into the runtime. */
  mode: 'sink' | 'producer';
  /** Redis port (sink) — the table body is built from it. */
  port: number;
  /** Coordinator gRPC address (producer). */
  coordinator: string;
  /** Rows in all (over every client). */
  count: number;
  /** This client writes the rows i with i % clients === index (keys never shared). */
  index: number;
  clients: number;
  /** Rows per `write()` call. */
  chunk: number;
  /** Sink: table batchSize; producer: batchRows. */
  batch: number;
  /** Sink: maxInFlightRows; producer: maxUnackedRows. */
  window: number;
  /** Producer: row encoding on the wire. */
  encoding: RowEncodingName;
  deadlineMs: number;
}

export function clientArgv(a: ClientArgs): string[] {
  return Object.entries(a).flatMap(([k, v]) => [`--${k}`, String(v)]);
}

/** The client loaded its library, connected (and fetched the routing): waiting for `go`. */
export interface ReadyMessage {
  kind: 'ready';
}

export interface ClientResult extends ProcessFigures {
  kind: 'result';
  /** Rows handed to write(). */
  rows: number;
  /** Rows acknowledged: the sink's rowsWritten, the producer's rowsAcked. */
  rowsAcked: number;
  /** `performance.timeOrigin + now()` at the first write and when flush() resolved, ms. */
  startMs: number;
  endMs: number;
  /** From the last write() resolving to flush() resolving, ms: the wait for the last checkpoint. */
  flushMs: number;
  deadlineHit: boolean;
  failure?: string;
  /** Producer counters (producer mode). */
  batchesSent?: number;
  rowsResent?: number;
}

export type ClientMessage = ReadyMessage | ClientResult | ErrorMessage;
