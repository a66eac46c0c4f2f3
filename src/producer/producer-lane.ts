/**
 * One shard's lane of a producer: batches the shard's rows, numbers them, keeps every batch until
 * the worker acknowledges it durable, and (re)sends them on one `Ingest.Write` stream.
 *
 * ```
 *  add(row) ─▶ [open batch] ─seal (batchRows | maxBatchBytes | lingerMs)─▶ unacked queue
 *                                                                          │ ordinal 0 1 2 3 4
 *                         ack / opened(acknowledgedSeq) drops ≤ seq ◀──────┤ acked ▲   ▲ send cursor
 *                         stream lost: back off, refresh routing, reopen,  │
 *                         resend from the first unacknowledged batch ──────┘
 * ```
 *
 * Sequence numbers are `ordinal + seqBase`: `seqBase` is fixed by the first `opened` (the worker's
 * acknowledged sequence for this producer id, plus one), before anything is sent. A resend after a
 * reconnect carries the same sequence numbers and the same payload bytes, so the worker's
 * IngestSource drops what it already took and exactly-once fences recognise replayed rows.
 */
import type { ClientDuplexStream, Metadata } from '@grpc/grpc-js';
import Denque from 'denque';
import type { Logger } from '../log.js';
import type { Row } from '../sink/row-encoder.js';
import { RowEncoding, type WriteRequest, type WriteResponse } from '../wire/gen/laminar/redis/v1/ingest.js';
import { KeyedBatchWriter, type KeyedItem, type RefusedItem } from '../wire/keyed-rows.js';
import { jsonLinesPayload, RowEncodingError, v8Payload } from '../wire/row-batch-codec.js';
import type { IngestChannels } from './ingest-channels.js';
import { grpcStatusOf, type ProducerFailureReason, statusName } from './producer-errors.js';
import type { ResolvedProducerOptions } from './producer-options.js';
import type { ProducerStats } from './producer-stats.js';
import { destinationFailed, isDestinationFailed, isRetryableStatus, retryDelay } from './retry-policy.js';
import type { TableRoute } from './table-routing.js';

/** What a lane needs from its producer. */
export interface LaneContext {
  readonly options: ResolvedProducerOptions;
  readonly wireEncoding: RowEncoding;
  /** The table is a hash: keyed rows carry a field. */
  readonly hash: boolean;
  /**
   * The table's encoder, for a v8 batch that `serialize()` refuses (a function or symbol in a
   * column the table does not write): it goes keyed instead. Null without a model.
   */
  readonly keyedItemOf: ((row: Row) => KeyedItem) | null;
  readonly stats: ProducerStats;
  readonly channels: IngestChannels;
  readonly metadata: Metadata;
  readonly logger: Logger;
  /** The routing in use. */
  route(): TableRoute;
  refreshRoute(): Promise<TableRoute>;
  /** `rows` of this lane were acknowledged durable. */
  acknowledged(rows: number): void;
  /** The producer cannot go on. */
  fail(reason: ProducerFailureReason, message: string, cause?: unknown): void;
}

interface SealedBatch {
  ordinal: number;
  rows: number;
  /** The lane's encoding, or keyed for refused rows and v8 rows serialize() refuses. */
  encoding: RowEncoding;
  payload: Buffer;
  /** One kind per row; empty when every row is an insert (the wire's `kinds`). */
  kinds: Buffer;
  /** Written on some stream already: a later write is a resend. */
  sent: boolean;
}

const ignore = (): void => {};

/** The kinds of a batch of inserts: the wire leaves the field out. */
const NO_KINDS = Buffer.alloc(0);

export class ProducerLane {
  readonly shard: number;
  readonly #ctx: LaneContext;

  /** The batch being filled, keyed: its payload so far (and the items in #open not yet in it). */
  readonly #keyed: KeyedBatchWriter | null;
  /**
   * json and v8: the batch being filled when it holds refused rows (sent keyed); such a batch
   * holds nothing else, so rows keep their order across batches.
   */
  #refused: KeyedBatchWriter | null = null;
  /** Rows of the batch being filled not yet encoded: keyed items, JSON texts, or rows for v8. */
  #open: unknown[] = [];
  #openBytes = 0;
  /**
   * Kinds of the open batch's rows by position, zero-filled; null while every row is an insert,
   * so a lane that only ever takes inserts never allocates it.
   */
  #kinds: Buffer | null = null;
  #linger: NodeJS.Timeout | null = null;

  /** Sealed batches not yet acknowledged, in ordinal order. */
  readonly #queue = new Denque<SealedBatch>();
  #nextOrdinal = 0;
  #ackedOrdinal = -1;
  /** Sequence number of ordinal 0; -1 until the first `opened`. */
  #seqBase = -1;

  #call: ClientDuplexStream<WriteRequest, WriteResponse> | null = null;
  #opened = false;
  /** Next ordinal to write on the current stream. */
  #sendOrdinal = 0;
  #waitingDrain = false;
  /** A flush() waits on this lane: tell the worker once every sealed batch is written. */
  #flushWanted = false;
  /** Last ordinal a flush message covered on the current stream (-1: none). */
  #flushSent = -1;
  #openTimer: NodeJS.Timeout | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  /** When the current outage began (0: none); bounds retries by `retryTimeoutMs`. */
  #outageSince = 0;
  #attempt = 0;
  #everConnected = false;
  #closed = false;

  constructor(shard: number, ctx: LaneContext) {
    this.shard = shard;
    this.#ctx = ctx;
    this.#keyed = ctx.wireEncoding === RowEncoding.ROW_ENCODING_KEYED ? new KeyedBatchWriter(ctx.hash) : null;
  }

  /** Ordinal of the last sealed batch (-1: none). */
  get lastOrdinal(): number {
    return this.#nextOrdinal - 1;
  }

  /** Ordinal of the last acknowledged batch (-1: none). */
  get ackedOrdinal(): number {
    return this.#ackedOrdinal;
  }

  /**
   * Adds one row to the open batch: its JSON text (json; `bytes` its length) or the row (v8;
   * `bytes` 0).
   */
  add(item: string | Row, bytes: number, kind = 0): void {
    if (this.#refused !== null && this.#refused.rows > 0) this.seal();
    // Seal before a row would push the payload past the limit, so JSON batches stay under it.
    if (this.#openBytes + bytes > this.#ctx.options.maxBatchBytes && this.#open.length > 0) this.seal();
    if (kind !== 0) this.#setKind(this.#open.length, kind);
    this.#open.push(item);
    this.#openBytes += bytes;
    this.#added(this.#open.length, this.#openBytes);
  }

  /**
   * Adds a keyed row (`bytes`: about its payload size). Call {@link absorb} before yielding to
   * the event loop: items kept across writes cost a producer with many lanes noticeably more CPU
   * in garbage collection (docs/benchmarks.md, "Figures behind design decisions").
   */
  addItem(item: KeyedItem, bytes: number, kind = 0): void {
    const w = this.#keyed!;
    const max = this.#ctx.options.maxBatchBytes;
    if (w.bytes + this.#openBytes + bytes > max && w.rows + this.#open.length > 0) this.seal();
    if (kind !== 0) this.#setKind(w.rows + this.#open.length, kind);
    this.#open.push(item);
    this.#openBytes += bytes;
    this.#added(w.rows + this.#open.length, w.bytes + this.#openBytes);
  }

  /**
   * Adds a row the table's encoder refused (`bytes`: about its payload size). json and v8 send it
   * keyed, in a batch of refused rows: neither can carry what the sink needs of it.
   */
  addRefused(item: RefusedItem, bytes: number, kind = 0): void {
    if (this.#keyed !== null) {
      this.addItem(item, bytes, kind);
      return;
    }
    if (this.#open.length > 0) this.seal();
    const w = (this.#refused ??= new KeyedBatchWriter(this.#ctx.hash));
    if (w.bytes + bytes > this.#ctx.options.maxBatchBytes && w.rows > 0) this.seal();
    if (kind !== 0) this.#setKind(w.rows, kind);
    w.appendItem(item);
    this.#added(w.rows, w.bytes);
  }

  /** Records the kind of the open batch's row at `index` (a kind other than insert). */
  #setKind(index: number, kind: number): void {
    let k = this.#kinds;
    if (k === null || index >= k.length) {
      const grown = Buffer.alloc(Math.max(64, 2 * index));
      if (k !== null) k.copy(grown);
      this.#kinds = k = grown;
    }
    k[index] = kind;
  }

  /**
   * The kinds of the open batch's `rows` rows, for sealing it; starts afresh. The buffer only
   * grew as far as the last row that is not an insert: the inserts after it are zeros.
   */
  #takeKinds(rows: number): Buffer {
    const k = this.#kinds;
    if (k === null) return NO_KINDS;
    this.#kinds = null;
    const out = Buffer.alloc(rows);
    k.copy(out, 0, 0, Math.min(rows, k.length));
    return out;
  }

  /** Keyed: writes the items added since the last call into the open batch's payload. */
  absorb(): void {
    const w = this.#keyed;
    if (w === null || this.#open.length === 0) return;
    const items = this.#open as KeyedItem[];
    for (let i = 0; i < items.length; i++) w.appendItem(items[i]);
    this.#open = [];
    this.#openBytes = 0;
  }

  /** The open batch has `rows` rows and about `bytes` bytes: seal it when full, else linger. */
  #added(rows: number, bytes: number): void {
    const o = this.#ctx.options;
    if (rows >= o.batchRows || bytes >= o.maxBatchBytes) this.seal();
    else if (this.#linger === null) this.#linger = setTimeout(this.#onLinger, o.lingerMs);
  }

  /** Seals the open batch (if any) and sends it as soon as the stream allows. */
  seal(): void {
    if (this.#linger !== null) {
      clearTimeout(this.#linger);
      this.#linger = null;
    }
    if (this.#closed) return;
    const keyed = this.#keyed;
    if (keyed !== null) {
      this.absorb();
      if (keyed.rows === 0) return;
      const rows = keyed.rows;
      this.#push(RowEncoding.ROW_ENCODING_KEYED, rows, keyed.take(), this.#takeKinds(rows));
    } else if (this.#refused !== null && this.#refused.rows > 0) {
      const rows = this.#refused.rows;
      this.#push(RowEncoding.ROW_ENCODING_KEYED, rows, this.#refused.take(), this.#takeKinds(rows));
    } else {
      if (this.#open.length === 0) return;
      const items = this.#open;
      this.#open = [];
      this.#openBytes = 0;
      const kinds = this.#takeKinds(items.length);
      try {
        this.#enqueue(items, kinds, 0, items.length);
      } catch (err) {
        this.#ctx.fail('ENCODING', `shard ${this.shard}: ${(err as Error).message}`, err);
        return;
      }
    }
    if (this.#call === null) this.#connectIfIdle();
    else this.#pump();
  }

  /**
   * A flush() waits for this lane's batches: once every sealed batch is written, ask the worker
   * for a checkpoint instead of waiting for its next interval (and again after a reconnect).
   */
  requestFlush(): void {
    if (this.#queue.length === 0 || this.#closed) return;
    this.#flushWanted = true;
    this.#pump();
  }

  /** Stops for good: half-closes the stream (the producer flushed) or cancels it (`abort`). */
  close(abort: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimers();
    const call = this.#call;
    this.#call = null;
    if (call === null) return;
    call.removeAllListeners();
    call.on('error', ignore);
    if (abort) call.cancel();
    else call.end();
  }

  #onLinger = (): void => {
    this.#linger = null;
    this.seal();
  };

  #push(encoding: RowEncoding, rows: number, payload: Buffer, kinds: Buffer): void {
    this.#queue.push({ ordinal: this.#nextOrdinal++, rows, encoding, payload, kinds, sent: false });
  }

  /**
   * Encodes items[from..to) (json, v8) as one batch, or as several when the payload is too large;
   * `kinds` are the items' kinds (empty: all inserts), split with them.
   * A v8 batch `serialize()` refuses goes keyed instead, encoded by the table's encoder: the
   * rows it took hold a function or symbol only where the table writes nothing (the encoder
   * refuses the others, which went as refused rows), and keyed carries exactly what it writes.
   *
   * @throws RowEncodingError when a v8 batch cannot be serialized and there is no table model.
   */
  #enqueue(items: unknown[], kinds: Buffer, from: number, to: number): void {
    let encoding = this.#ctx.wireEncoding;
    let payload: Buffer;
    if (encoding === RowEncoding.ROW_ENCODING_JSON_LINES) {
      payload = jsonLinesPayload(items as string[], from, to);
    } else {
      try {
        payload = v8Payload(items as Row[], from, to);
      } catch (err) {
        const keyedItemOf = this.#ctx.keyedItemOf;
        if (keyedItemOf === null || !(err instanceof RowEncodingError)) throw err;
        const w = new KeyedBatchWriter(this.#ctx.hash);
        for (let i = from; i < to; i++) w.appendItem(keyedItemOf(items[i] as Row));
        encoding = RowEncoding.ROW_ENCODING_KEYED;
        payload = w.take();
      }
    }
    if (payload.length > this.#ctx.options.maxBatchBytes && to - from > 1) {
      const mid = from + ((to - from) >> 1);
      this.#enqueue(items, kinds, from, mid);
      this.#enqueue(items, kinds, mid, to);
      return;
    }
    const batchKinds = kinds.length === 0 ? NO_KINDS : kinds.subarray(from, to);
    this.#push(encoding, to - from, payload, batchKinds);
  }

  #connectIfIdle(): void {
    if (this.#closed || this.#call !== null || this.#retryTimer !== null || this.#queue.length === 0) return;
    const route = this.#ctx.route();
    const place = route.placements[this.shard];
    if (place.workerId === '' || place.ingestAddress === '') {
      this.#retry(undefined, 'the shard is moving (no worker hosts it)');
      return;
    }
    if (this.#everConnected) this.#ctx.stats.reconnects++;
    this.#everConnected = true;
    const call = this.#ctx.channels.get(place.ingestAddress).write(this.#ctx.metadata);
    this.#call = call;
    this.#opened = false;
    this.#waitingDrain = false;
    this.#flushSent = -1;
    call.on('data', this.#onResponse);
    call.on('error', this.#onError);
    call.on('status', this.#onStatus);
    call.on('drain', this.#onDrain);
    this.#openTimer = setTimeout(this.#onOpenTimeout, this.#ctx.options.openTimeoutMs);
    call.write({
      kind: {
        $case: 'open',
        value: { tableId: route.tableId, shard: this.shard, producerId: this.#ctx.options.producerId },
      },
    });
  }

  #onResponse = (msg: WriteResponse): void => {
    const kind = msg.kind;
    if (kind?.$case === 'opened') this.#onOpened(kind.value.acknowledgedSeq);
    else if (kind?.$case === 'ack') this.#acknowledge(kind.value.acknowledgedSeq);
  };

  #onOpened(acknowledgedSeq: number): void {
    if (this.#openTimer !== null) {
      clearTimeout(this.#openTimer);
      this.#openTimer = null;
    }
    if (this.#seqBase < 0) {
      // Nothing was sent yet: continue after what the worker holds for this producer id.
      this.#seqBase = acknowledgedSeq + 1;
    } else if (acknowledgedSeq - this.#seqBase < this.#ackedOrdinal) {
      this.#ctx.fail(
        'ACK_REGRESSED',
        `shard ${this.shard}: the worker acknowledges sequence ${acknowledgedSeq}, but ${this.#ackedOrdinal + this.#seqBase} was acknowledged before; rows in between may be lost (was the shard restored from an older checkpoint?)`,
      );
      return;
    }
    if (this.#outageSince !== 0) {
      this.#ctx.logger.info(
        {
          producer: this.#ctx.options.producerId,
          shard: this.shard,
          outageMs: Date.now() - this.#outageSince,
        },
        'producer lane reconnected; resending unacknowledged batches',
      );
    }
    this.#outageSince = 0;
    this.#attempt = 0;
    this.#opened = true;
    this.#acknowledge(acknowledgedSeq);
    if (this.#closed) return;
    // Resend everything still unacknowledged, in order, from the first.
    this.#sendOrdinal = this.#queue.length > 0 ? this.#queue.peekFront()!.ordinal : this.#nextOrdinal;
    this.#pump();
  }

  #acknowledge(seq: number): void {
    const ordinal = seq - this.#seqBase;
    if (ordinal <= this.#ackedOrdinal) return;
    if (ordinal >= this.#nextOrdinal) {
      this.#ctx.fail(
        'PRODUCER_ID_CONFLICT',
        `shard ${this.shard}: the worker acknowledges sequence ${seq}, beyond the last one sent (${this.#nextOrdinal - 1 + this.#seqBase}); is another producer using id ${this.#ctx.options.producerId}?`,
      );
      return;
    }
    let rows = 0;
    while (this.#queue.length > 0 && this.#queue.peekFront()!.ordinal <= ordinal)
      rows += this.#queue.shift()!.rows;
    if (this.#queue.length === 0) this.#flushWanted = false;
    this.#ackedOrdinal = ordinal;
    if (this.#sendOrdinal <= ordinal) this.#sendOrdinal = ordinal + 1;
    this.#ctx.acknowledged(rows);
  }

  /** Writes queued batches from the send cursor while the stream takes them. */
  #pump(): void {
    const call = this.#call;
    if (call === null || !this.#opened || this.#waitingDrain) return;
    const stats = this.#ctx.stats;
    while (this.#queue.length > 0) {
      const index = this.#sendOrdinal - this.#queue.peekFront()!.ordinal;
      if (index >= this.#queue.length) break;
      const b = this.#queue.peekAt(index)!;
      if (b.sent) stats.rowsResent += b.rows;
      b.sent = true;
      this.#sendOrdinal++;
      stats.batchesSent++;
      const more = call.write({
        kind: {
          $case: 'batch',
          value: {
            seq: b.ordinal + this.#seqBase,
            rows: b.rows,
            encoding: b.encoding,
            payload: b.payload,
            kinds: b.kinds,
          },
        },
      });
      if (!more) {
        // HTTP/2 flow control: the worker is not reading (its shard is behind). Wait.
        this.#waitingDrain = true;
        return;
      }
    }
    // Everything sealed is written: the flush message follows the last batch it covers.
    const last = this.#nextOrdinal - 1;
    if (this.#flushWanted && this.#queue.length > 0 && this.#flushSent < last) {
      this.#flushSent = last;
      call.write({ kind: { $case: 'flush', value: {} } });
    }
  }

  #onDrain = (): void => {
    this.#waitingDrain = false;
    this.#pump();
  };

  #onError = (err: Error): void => {
    this.#lost(err);
  };

  #onStatus = (s: { code: number; details: string }): void => {
    // Non-OK statuses arrive as 'error' first; an OK status means the worker ended the stream.
    if (s.code === 0) this.#lost(new Error('the worker ended the stream'));
  };

  #onOpenTimeout = (): void => {
    this.#openTimer = null;
    this.#lost(new Error(`the worker did not answer open within ${this.#ctx.options.openTimeoutMs} ms`));
  };

  /** The stream is gone: fail for good, or back off and reconnect. */
  #lost(err: Error): void {
    const call = this.#call;
    if (call === null || this.#closed) return;
    this.#call = null;
    this.#opened = false;
    if (this.#openTimer !== null) {
      clearTimeout(this.#openTimer);
      this.#openTimer = null;
    }
    call.removeAllListeners();
    call.on('error', ignore);
    call.cancel();
    const code = grpcStatusOf(err);
    if (!isRetryableStatus(code)) {
      this.#ctx.fail('REJECTED', `shard ${this.shard}: the worker refused the stream: ${err.message}`, err);
      return;
    }
    if (this.#queue.length === 0) return; // nothing to send or wait for: reconnect when a batch comes
    this.#retry(err, `${statusName(code)}: ${(err as { details?: string }).details ?? err.message}`);
  }

  #retry(err: unknown, why: string): void {
    const now = Date.now();
    if (this.#outageSince === 0) {
      this.#outageSince = now;
      this.#ctx.logger.warn(
        { producer: this.#ctx.options.producerId, shard: this.shard, reason: why },
        'producer lane lost its stream; refreshing routing and reconnecting',
      );
    }
    const o = this.#ctx.options;
    if (now - this.#outageSince >= o.retryTimeoutMs) {
      this.#ctx.fail(
        'RETRY_TIMEOUT',
        `shard ${this.shard} unreachable for ${now - this.#outageSince} ms (retryTimeoutMs ${o.retryTimeoutMs}): ${why}`,
        err,
      );
      return;
    }
    this.#retryTimer = setTimeout(this.#onRetryTimer, retryDelay(this.#attempt++));
  }

  #onRetryTimer = (): void => {
    this.#ctx.refreshRoute().then(this.#onRouted, this.#onRouteFailed);
  };

  #onRouted = (): void => {
    this.#retryTimer = null;
    if (this.#closed) return;
    if (this.#queue.length === 0) {
      this.#outageSince = 0;
      this.#attempt = 0;
      return;
    }
    this.#connectIfIdle();
  };

  #onRouteFailed = (err: unknown): void => {
    this.#retryTimer = null;
    if (this.#closed) return;
    const code = grpcStatusOf(err);
    if (isDestinationFailed(code)) {
      this.#ctx.fail('TABLE_FAILED', destinationFailed(err), err);
      return;
    }
    if (code === undefined || !isRetryableStatus(code)) {
      // An unusable answer (RoutingError, invalid model) or a refusal (UNAUTHENTICATED, NOT_FOUND).
      this.#ctx.fail(code === undefined ? 'ROUTING' : 'REJECTED', (err as Error).message, err);
      return;
    }
    this.#retry(err, `routing: ${statusName(code)}: ${(err as { details?: string }).details ?? ''}`);
  };

  #clearTimers(): void {
    for (const t of [this.#linger, this.#openTimer, this.#retryTimer]) if (t !== null) clearTimeout(t);
    this.#linger = this.#openTimer = this.#retryTimer = null;
  }
}
