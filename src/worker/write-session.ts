/**
 * One producer's `Ingest.Write` stream on a worker, as a small state machine:
 *
 * ```
 *  awaiting open ──open──▶ streaming ──half-close──▶ draining ──all acked──▶ ended OK
 *        │                  │  batch: pause the call, push into the shard's IngestSource,
 *        │                  │         resume when the push returns (flow control)
 *        │                  │  commit: ack { acknowledgedSeq } when it advanced
 *        └──────────────────┴──▶ ended with a status (bad message, shard ended, push refused)
 * ```
 *
 * Statuses: INVALID_ARGUMENT for a malformed stream or batch, or a batch holding a row of another
 * shard (the producer fails: resending the same bytes cannot help); FAILED_PRECONDITION when this worker does not host the shard, and
 * UNAVAILABLE when the shard stops being hosted or stops taking rows — both mean "refresh the
 * routing and resend". Details never contain row data.
 */
import { type ServerDuplexStream, status } from '@grpc/grpc-js';
import { IngestClosedError } from '../dataflow/sources/ingest.js';
import type { Logger } from '../log.js';
import { ingestBatchesTotal } from '../metrics/index.js';
import { PayloadRow } from '../sink/encoded-row.js';
import {
  type RowBatch,
  RowEncoding,
  type WriteOpen,
  type WriteRequest,
  type WriteResponse,
} from '../wire/gen/laminar/redis/v1/ingest.js';
import { decodeKeyedRows, payloadKeySlot } from '../wire/keyed-rows.js';
import { type BatchDecodeError, decodeRows } from '../wire/row-batch-codec.js';
import type { HostedShard, ShardDirectory, ShardRouter } from './hosted-shard.js';

/** Longest producer id accepted: it names a partition in checkpoints and fences. */
const MAX_PRODUCER_ID_LENGTH = 256;

/** Tracks which sessions to end when their shard ends (one `ended` subscription per shard). */
export interface ShardWatch {
  add(shard: HostedShard, session: WriteSession): void;
  remove(shard: HostedShard, session: WriteSession): void;
}

export class WriteSession {
  readonly #call: ServerDuplexStream<WriteRequest, WriteResponse>;
  readonly #directory: ShardDirectory;
  readonly #watch: ShardWatch;
  readonly #log: Logger;
  #shard: HostedShard | null = null;
  /** The table's ingest batch counter, bound once per stream. */
  #batches: ReturnType<typeof ingestBatchesTotal.labels> | null = null;
  #producer = '';
  /** Highest sequence number acknowledged to the producer on this stream. */
  #acked = -1;
  /** Next sequence number expected; lower ones are resends (dropped by the IngestSource). */
  #expected = 0;
  /** Highest sequence number pushed on this stream (-1: none). */
  #pushed = -1;
  /** The producer's flush waits for sequence numbers up to this one (-1: none). */
  #flushSeq = -1;
  #pushing = false;
  #halfClosed = false;
  #done = false;
  #unsubscribe: (() => void) | null = null;

  constructor(
    call: ServerDuplexStream<WriteRequest, WriteResponse>,
    directory: ShardDirectory,
    watch: ShardWatch,
    logger: Logger,
  ) {
    this.#call = call;
    this.#directory = directory;
    this.#watch = watch;
    this.#log = logger;
  }

  start(): void {
    const call = this.#call;
    call.on('data', this.#onMessage);
    call.on('end', this.#onHalfClose);
    call.on('cancelled', this.#onCancelled);
    // A write to a call the client already reset; the call is over either way.
    call.on('error', this.#onCancelled);
  }

  /** The shard stopped being hosted here: the producer must find its new home. */
  shardEnded(): void {
    const s = this.#shard!;
    this.end(
      status.UNAVAILABLE,
      `shard ${s.tableName}#${s.shard} is no longer hosted by this worker; refresh the routing and resend`,
    );
  }

  /** Ends the call with a status (no-op once ended). */
  end(code: status, details: string): void {
    if (this.#done) return;
    this.#finish();
    if (code === status.OK) {
      this.#call.end();
      return;
    }
    this.#log.debug({ producer: this.#producer, code: status[code], details }, 'ingest stream ended');
    // grpc-js turns an 'error' carrying a code into the call's final status.
    this.#call.emit('error', { code, details, message: details });
  }

  #onMessage = (msg: WriteRequest): void => {
    if (this.#done) return;
    const kind = msg.kind;
    if (this.#shard === null) {
      if (kind?.$case !== 'open') {
        this.end(status.INVALID_ARGUMENT, 'the first message of a Write stream must be open');
        return;
      }
      this.#open(kind.value);
    } else if (kind?.$case === 'batch') {
      this.#batch(kind.value);
    } else if (kind?.$case === 'flush') {
      this.#flushSeq = this.#pushed;
      if (this.#acked < this.#flushSeq) this.#shard.requestCheckpoint();
    } else {
      this.end(status.INVALID_ARGUMENT, kind?.$case === 'open' ? 'open sent twice' : 'empty message');
    }
  };

  #open(o: WriteOpen): void {
    if (o.producerId === '' || o.producerId.length > MAX_PRODUCER_ID_LENGTH) {
      this.end(status.INVALID_ARGUMENT, `producer_id must have 1..${MAX_PRODUCER_ID_LENGTH} characters`);
      return;
    }
    const shard = this.#directory.get(o.tableId, o.shard);
    if (shard === undefined) {
      this.end(
        status.FAILED_PRECONDITION,
        `shard ${o.shard} of table ${o.tableId} is not hosted by this worker; refresh the routing and retry`,
      );
      return;
    }
    this.#shard = shard;
    this.#batches = ingestBatchesTotal.labels(shard.tableName);
    this.#producer = o.producerId;
    this.#acked = shard.ingest.acknowledged(o.producerId);
    this.#expected = this.#acked + 1;
    this.#unsubscribe = shard.onCommitted(this.#onCommitted);
    this.#watch.add(shard, this);
    if (this.#done) return; // the shard had ended already
    this.#call.write({
      kind: { $case: 'opened', value: { acknowledgedSeq: this.#acked, epoch: shard.epoch } },
    });
  }

  #batch(b: RowBatch): void {
    if (!Number.isSafeInteger(b.seq) || b.seq < 0) {
      this.end(status.INVALID_ARGUMENT, `batch seq must be a non-negative integer, got ${b.seq}`);
      return;
    }
    if (b.seq > this.#expected) {
      // Rows in between were never sent on this stream: taking this batch would lose them.
      this.end(status.INVALID_ARGUMENT, `batch seq ${b.seq} skips ahead: expected ${this.#expected}`);
      return;
    }
    const keyed = b.encoding === RowEncoding.ROW_ENCODING_KEYED;
    if (keyed && !this.#shard!.keyedRows) {
      this.end(
        status.INVALID_ARGUMENT,
        `${this.#shard!.tableName} takes rows, not keyed rows: it is not a table shard`,
      );
      return;
    }
    let rows: object[];
    try {
      rows = keyed ? decodeKeyedRows(b.payload, b.rows) : decodeRows(b.payload, b.encoding, b.rows);
    } catch (err) {
      this.end(status.INVALID_ARGUMENT, (err as BatchDecodeError).message);
      return;
    }
    const router = this.#shard!.router;
    if (router !== undefined && !this.#routedHere(router, rows, b.seq)) return;
    this.#batches!.inc();
    if (b.seq === this.#expected) this.#expected++;
    this.#pushed = Math.max(this.#pushed, b.seq);
    // Flow control: no more messages are read while the shard's buffer makes the push wait.
    this.#pushing = true;
    this.#call.pause();
    // Empty kinds: every row is an insert. The source refuses kinds that are not one per row or
    // not a kind (a RangeError, INVALID_ARGUMENT below); a retraction into an 'append' table is
    // the sink's bad row, under the table's 'sink.on_error'.
    const kinds = b.kinds.length === 0 ? undefined : b.kinds;
    this.#shard!.ingest.push(this.#producer, b.seq, rows, kinds).then(this.#onPushed, this.#onPushFailed);
  }

  /**
   * Every row must route to this shard: one that does not would be written by the wrong shard (or
   * fail it for every producer on it), so the batch is refused before it is taken — the producer
   * routes with another layout than the worker, which resending cannot mend. Ends the call and
   * returns false on the first row that routes elsewhere.
   */
  #routedHere(router: ShardRouter, rows: readonly object[], seq: number): boolean {
    const here = this.#shard!.shard;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const s = row instanceof PayloadRow ? router.shardOfSlot(payloadKeySlot(row)) : router.shardOf(row);
      if (s === here) continue;
      const t = this.#shard!;
      this.end(
        status.INVALID_ARGUMENT,
        `batch ${seq}: row ${i} routes to shard ${s} of ${t.tableName}, not to shard ${here}: the producer routes rows with another layout than the workers`,
      );
      return false;
    }
    return true;
  }

  #onPushed = (): void => {
    this.#pushing = false;
    if (this.#done) return;
    if (this.#halfClosed) this.#endIfAcked();
    else this.#call.resume();
  };

  #onPushFailed = (err: unknown): void => {
    this.#pushing = false;
    if (err instanceof IngestClosedError) {
      const s = this.#shard!;
      this.end(
        status.UNAVAILABLE,
        `shard ${s.tableName}#${s.shard} is not taking rows (restarting or moving); refresh the routing and resend`,
      );
    } else if (err instanceof RangeError) {
      this.end(status.INVALID_ARGUMENT, err.message);
    } else {
      this.#log.error(
        { producer: this.#producer, err: (err as Error)?.message },
        'ingest push failed unexpectedly',
      );
      this.end(status.INTERNAL, 'the worker could not take the batch');
    }
  };

  #onCommitted = (): void => {
    if (this.#done) return;
    const a = this.#shard!.ingest.acknowledged(this.#producer);
    if (a <= this.#acked) return;
    this.#acked = a;
    this.#call.write({ kind: { $case: 'ack', value: { acknowledgedSeq: a } } });
    // The flush still waits, and checkpoints make progress: the next one now. (One that made no
    // progress leaves it to the interval, so a stalled shard does not checkpoint back to back.)
    if (a < this.#flushSeq) this.#shard!.requestCheckpoint();
    if (this.#halfClosed && !this.#pushing) this.#endIfAcked();
  };

  /** The producer sent its last batch: the call ends once everything it pushed is acknowledged. */
  #onHalfClose = (): void => {
    this.#halfClosed = true;
    if (this.#done || this.#pushing) return;
    if (this.#shard === null) this.end(status.OK, 'OK');
    else this.#endIfAcked();
  };

  #endIfAcked(): void {
    if (this.#acked < this.#pushed) return;
    this.#finish();
    this.#call.end();
  }

  #onCancelled = (): void => {
    this.#finish();
  };

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#shard !== null) this.#watch.remove(this.#shard, this);
  }
}
