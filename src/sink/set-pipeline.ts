import type { CommandEncoder } from '../resp/encoder.js';
import type { PayloadRow } from './encoded-row.js';
import type { EncodedFlush, RowPipeline } from './grouped-pipeline.js';

/** `*2 $3 DEL`: the head of a removal. */
const DEL_HEAD = Buffer.from('*2\r\n$3\r\nDEL\r\n', 'latin1');

/**
 * A string table's `SET key value [EX ttl]` commands, encoded as rows arrive into the sink's own
 * arena instead of kept as command arrays: the rows of an at-least-once string table on
 * standalone Redis, whose commands go to one connection as they are (`pipelineEncoded`). A
 * worker's {@link PayloadRow} is copied from its batch payload without becoming text.
 *
 * One per sink, shared by its batches one after another: {@link take} returns every command
 * encoded since the last take, so the open batch's rows are always exactly what it holds.
 */
export class SetPipeline implements RowPipeline {
  readonly #encoder: CommandEncoder;
  /** `*3|*5 $3 SET`: the array header and the command name, the same for every row. */
  readonly #head: Buffer;
  /** `$2 EX $n ttl`, or nothing. */
  readonly #tail: Buffer | null;
  #count = 0;

  constructor(encoder: CommandEncoder, ttlSecs: number | undefined) {
    this.#encoder = encoder;
    const ttl = ttlSecs === undefined ? undefined : String(ttlSecs);
    this.#head = Buffer.from(`*${ttl === undefined ? 3 : 5}\r\n$3\r\nSET\r\n`, 'latin1');
    this.#tail = ttl === undefined ? null : Buffer.from(`$2\r\nEX\r\n$${ttl.length}\r\n${ttl}\r\n`, 'latin1');
  }

  /** Commands encoded since the last take. */
  get count(): number {
    return this.#count;
  }

  add(key: string | Buffer, _field: string | Buffer, value: string | Buffer): void {
    this.#begin(key).arg(value);
    this.#end();
  }

  addBytes(key: string | Buffer, _field: string | Buffer, value: Uint8Array): void {
    this.#begin(key).argCopy(value);
    this.#end();
  }

  /** The row's key and value bytes, as the producer encoded them. */
  addPayload(row: PayloadRow): void {
    const e = this.#encoder;
    const src = row.src;
    e.raw(this.#head);
    e.argSlice(src, row.keyAt, row.keyEnd);
    e.argSlice(src, row.valueAt, row.valueEnd);
    if (this.#tail !== null) e.raw(this.#tail);
    this.#count++;
  }

  /** A removal (an `upsert` table's delete): `DEL key`, in its place among the rows. */
  addRemove(key: string | Buffer): void {
    const e = this.#encoder;
    e.raw(DEL_HEAD);
    e.arg(key);
    this.#count++;
  }

  /** Appends one more command (a flush's dead-letter push) after the rows. */
  addCommand(args: readonly (string | Buffer)[]): void {
    const e = this.#encoder;
    e.beginCommand(args.length);
    for (const a of args) e.arg(a);
    this.#count++;
  }

  /** Writes a SET's head and key; its value comes next, then {@link #end}. */
  #begin(key: string | Buffer): CommandEncoder {
    const e = this.#encoder;
    e.raw(this.#head);
    e.arg(key);
    return e;
  }

  /** Ends a SET: its TTL, when the table has one. */
  #end(): void {
    if (this.#tail !== null) this.#encoder.raw(this.#tail);
    this.#count++;
  }

  /** Every command encoded since the last take. */
  take(): EncodedFlush {
    const out = { chunks: this.#encoder.take(), count: this.#count, name: 'SET' };
    this.#count = 0;
    return out;
  }
}
