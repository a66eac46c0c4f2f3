/**
 * The producer's client of the Ingest service, with a serializer for row batches that copies the
 * payload once: ts-proto's `WriteRequest.encode(...).finish()` builds the message in chunks and
 * joins them, and the generated client copies that again with `Buffer.from` — two copies of
 * every ~1 MiB batch, a visible share of a producer's CPU (docs/benchmarks.md, "Figures behind
 * design decisions"). The bytes are the same (test/wire/ingest-wire.test.ts); other messages go
 * through the generated code.
 */
import { type ChannelCredentials, type ClientOptions, makeGenericClientConstructor } from '@grpc/grpc-js';
import {
  type IngestClient,
  IngestService,
  type RowBatch,
  WriteRequest,
} from './gen/laminar/redis/v1/ingest.js';

/**
 * Largest Ingest message a worker takes: one batch holding a single row as large as Redis takes a
 * value (`proto-max-bulk-len`, 512 MiB by default), with room for its key and framing. gRPC's
 * default (4 MiB) refused any batch of one larger row, and its producer failed for good over a
 * row the sink writes. Memory is spent per message actually received, not per limit.
 */
export const MAX_INGEST_MESSAGE_BYTES = 513 * 1024 * 1024;

/** Protobuf encoding of `value`, as `WriteRequest.encode(value).finish()` gives it. */
export function serializeWriteRequest(value: WriteRequest): Buffer {
  const kind = value.kind;
  if (kind?.$case !== 'batch' || !plain(kind.value)) return Buffer.from(WriteRequest.encode(value).finish());
  const b = kind.value;
  const fields = Buffer.allocUnsafe(40);
  const fieldBytes = batchHead(fields, 0, b);
  // Field 5 (kinds) follows the payload, in field order as the generated encoder writes it.
  const kinds = b.kinds.length;
  const kindsBytes = kinds === 0 ? 0 : 1 + varintLength(kinds) + kinds;
  const inner = fieldBytes + b.payload.length + kindsBytes;
  const out = Buffer.allocUnsafe(1 + 5 + inner);
  out[0] = 18; // field 2 (batch), length-delimited
  let at = varint(out, 1, inner);
  fields.copy(out, at, 0, fieldBytes);
  at += fieldBytes;
  out.set(b.payload, at);
  at += b.payload.length;
  if (kinds !== 0) {
    out[at++] = 42; // field 5 (kinds), length-delimited
    at = varint(out, at, kinds);
    out.set(b.kinds, at);
    at += kinds;
  }
  return at === out.length ? out : out.subarray(0, at);
}

/** Fields the fast path writes as plain varints: non-negative safe integers. */
function plain(b: RowBatch): boolean {
  return (
    Number.isSafeInteger(b.seq) &&
    b.seq >= 0 &&
    Number.isSafeInteger(b.rows) &&
    b.rows >= 0 &&
    Number.isSafeInteger(b.encoding) &&
    b.encoding >= 0
  );
}

/** Writes the RowBatch fields other than the payload's bytes at `at`; returns the end. */
function batchHead(buf: Buffer, at: number, b: RowBatch): number {
  if (b.seq !== 0) {
    buf[at++] = 8;
    at = varint(buf, at, b.seq);
  }
  if (b.rows !== 0) {
    buf[at++] = 16;
    at = varint(buf, at, b.rows);
  }
  if (b.encoding !== 0) {
    buf[at++] = 24;
    at = varint(buf, at, b.encoding);
  }
  if (b.payload.length !== 0) {
    buf[at++] = 34;
    at = varint(buf, at, b.payload.length);
  }
  return at;
}

/** Bytes of the base-128 varint of a non-negative safe integer. */
function varintLength(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Base-128 varint of a non-negative safe integer. */
function varint(buf: Buffer, at: number, v: number): number {
  while (v >= 128) {
    buf[at++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  buf[at++] = v;
  return at;
}

const FastIngestService = {
  write: { ...IngestService.write, requestSerialize: serializeWriteRequest },
} as const;

/** The Ingest client producers use (see the module comment). */
export const FastIngestClient = makeGenericClientConstructor(
  FastIngestService,
  'laminar.redis.v1.Ingest',
) as unknown as new (
  address: string,
  credentials: ChannelCredentials,
  options?: Partial<ClientOptions>,
) => IngestClient;
