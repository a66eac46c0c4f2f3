import { CommandEncoder } from '../resp/encoder.js';
import type { Command } from '../resp/reply.js';
import type { PayloadRow } from './encoded-row.js';
import { type EncodedFlush, encodeAppended, type RowPipeline } from './grouped-pipeline.js';
import { KeyMap } from './key-map.js';
import { afterKeyOf, type Target, writerOf } from './writers/index.js';
import type { PerRowForm, TargetWriter } from './writers/writer.js';

/**
 * The pipeline of a table whose rows are one command each (strings, streams, pub/sub), where its
 * writer gives their form ({@link TargetWriter.perRow}); each key's commands after its rows (a
 * stream's TTL) follow once per flush. Null: rows are kept until the flush.
 */
export function perRowPipeline(t: Target, encoder = new CommandEncoder()): RowPipeline | null {
  const form = writerOf(t).perRow?.(t);
  if (form === undefined) return null;
  return new PerRowPipeline(encoder, form, afterKeyOf(t));
}

/**
 * Rows of one command each, `verb key [middle] value [tail]`, encoded into the sink's own arena
 * as they arrive instead of kept as strings and command arrays until the flush: the rows of an
 * at-least-once String, Stream or Pub/Sub table on standalone Redis, whose commands go to one
 * connection as they are (`pipelineEncoded`). The constant runs of each command are encoded once.
 * A worker's {@link PayloadRow} is copied from its batch payload without becoming text.
 *
 * One per sink, shared by its batches one after another: {@link take} returns every command
 * encoded since the last take, so the open batch's rows are always exactly what it holds.
 */
export class PerRowPipeline implements RowPipeline {
  readonly #encoder: CommandEncoder;
  readonly #verb: string;
  /** `*n $len verb`: the array header and the command name, the same for every row. */
  readonly #head: Buffer;
  /** The middle arguments, encoded; null when there are none. */
  readonly #middle: Buffer | null;
  /** The tail arguments, encoded; null when there are none. */
  readonly #tail: Buffer | null;
  readonly #after: ((key: string | Buffer) => readonly Command[]) | null;
  /** `*2 $len verb` of a removal; null: rows cannot be removed. */
  readonly #removeHead: Buffer | null;
  /** Commands encoded since the last take. */
  #count = 0;
  /** With {@link #after}: the flush's keys, in order of first appearance. */
  #order: (string | Buffer)[] = [];
  /** The keys in {@link #order}. */
  readonly #seen = new KeyMap<true>();
  /** Commands appended after the rows (a dead-letter push), encoded after the keys' commands. */
  #extra: (readonly (string | Buffer)[])[] = [];

  /**
   * @param after the commands run once per key after the flush's rows (a TTL), keys in order of
   *   first appearance; null: none.
   */
  constructor(
    encoder: CommandEncoder,
    form: PerRowForm,
    after: ((key: string | Buffer) => readonly Command[]) | null = null,
  ) {
    this.#encoder = encoder;
    this.#verb = form.verb;
    const middle = form.middle ?? [];
    const tail = form.tail ?? [];
    this.#head = Buffer.from(`*${3 + middle.length + tail.length}\r\n${bulk(form.verb)}`, 'utf8');
    this.#middle = middle.length === 0 ? null : Buffer.from(middle.map(bulk).join(''), 'utf8');
    this.#tail = tail.length === 0 ? null : Buffer.from(tail.map(bulk).join(''), 'utf8');
    this.#after = after;
    this.#removeHead = form.remove === undefined ? null : Buffer.from(`*2\r\n${bulk(form.remove)}`, 'utf8');
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
    if (this.#middle !== null) e.raw(this.#middle);
    e.argSlice(src, row.valueAt, row.valueEnd);
    if (this.#after !== null) this.#note(row.key);
    this.#end();
  }

  /** A removal (an `upsert` table's delete): `DEL key`, in its place among the rows. */
  addRemove(key: string | Buffer): void {
    const head = this.#removeHead;
    if (head === null) throw new Error(`${this.#verb} rows cannot be removed`);
    const e = this.#encoder;
    e.raw(head);
    e.arg(key);
    this.#count++;
  }

  /** Appends one more command (a flush's dead-letter push) after the rows and their keys' commands. */
  addCommand(args: readonly (string | Buffer)[]): void {
    this.#extra.push(args);
  }

  /** Every command encoded since the last take. */
  take(): EncodedFlush {
    const e = this.#encoder;
    const rows = this.#count;
    let after = 0;
    if (this.#order.length > 0) {
      for (const key of this.#order) {
        for (const cmd of this.#after!(key)) {
          e.encode(cmd);
          after++;
        }
      }
      this.#order = [];
      this.#seen.clear();
    }
    encodeAppended(e, this.#extra, null);
    const count = rows + after + this.#extra.length;
    this.#extra = [];
    this.#count = 0;
    if (after === 0) return { chunks: e.take(), count, name: this.#verb };
    // Rows, then the keys' commands and the dead-letter push, which carry none.
    const rowsPerCommand = new Array<number>(count).fill(0, rows).fill(1, 0, rows);
    return { chunks: e.take(), count, name: this.#verb, rowsPerCommand };
  }

  /** Writes a command's head, key and middle; its value comes next, then {@link #end}. */
  #begin(key: string | Buffer): CommandEncoder {
    const e = this.#encoder;
    e.raw(this.#head);
    e.arg(key);
    if (this.#middle !== null) e.raw(this.#middle);
    if (this.#after !== null) this.#note(key);
    return e;
  }

  /** Ends a row's command: its tail, when it has one. */
  #end(): void {
    if (this.#tail !== null) this.#encoder.raw(this.#tail);
    this.#count++;
  }

  /** Notes a row's key for the commands after the flush's rows. */
  #note(key: string | Buffer): void {
    if (this.#seen.get(key) !== undefined) return;
    this.#seen.setLast(true);
    this.#order.push(key);
  }
}

/** `$len\r\ns\r\n`: one bulk string argument. */
function bulk(s: string): string {
  return `$${Buffer.byteLength(s, 'utf8')}\r\n${s}\r\n`;
}
