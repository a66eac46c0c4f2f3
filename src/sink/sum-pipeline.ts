import { CommandEncoder } from '../resp/encoder.js';
import type { Command } from '../resp/reply.js';
import type { PayloadRow } from './encoded-row.js';
import { type EncodedFlush, encodeAppended, type RowPipeline } from './grouped-pipeline.js';
import { KeyMap } from './key-map.js';
import { afterKeyOf, type Target, writerOf } from './writers/index.js';
import { IntegerSum } from './writers/sum.js';
import type { TargetWriter } from './writers/writer.js';

/**
 * The pipeline of a table whose rows' integer increments are summed per key (and field) in a
 * flush, where its writer says they may be ({@link TargetWriter.summed}: integer counters without
 * a TTL per row). Null: rows are kept until the flush.
 */
export function sumPipeline(t: Target): RowPipeline | null {
  const summed = writerOf(t).summed?.(t);
  if (summed === undefined) return null;
  return new SumPipeline(new CommandEncoder(), summed.verb, summed.verb === 'HINCRBY', afterKeyOf(t));
}

/** A key's or a field's sum in a flush, and how many rows added to it. */
class RowSum extends IntegerSum {
  rows = 0;

  constructor(
    /** The key, or the field. */
    readonly name: string | Buffer,
  ) {
    super();
  }
}

/** One key's rows in a flush: its sum (rows without a field) or its fields' sums. */
class KeySum extends RowSum {
  /** Fields in order of first appearance; null until a row with a field comes. */
  fields: RowSum[] | null = null;
  /** Fields given as text, by text. */
  byText: Map<string, RowSum> | null = null;
  /** Fields given as bytes, by their bytes as latin1 text (the writer tells them from text ones). */
  byBytes: Map<string, RowSum> | null = null;

  /** The running sum of a field, added in order when new. */
  field(f: string | Buffer): RowSum {
    let map: Map<string, RowSum>;
    let id: string;
    if (typeof f === 'string') {
      map = this.byText ??= new Map();
      id = f;
    } else {
      map = this.byBytes ??= new Map();
      id = f.toString('latin1');
    }
    let sum = map.get(id);
    if (sum === undefined) {
      sum = new RowSum(f);
      map.set(id, sum);
      (this.fields ??= []).push(sum);
    }
    return sum;
  }
}

/**
 * The at-least-once commands of an integer Counter or Hash Counter table: each row's increment
 * is added to its key's (its key and field's) running sum the moment it arrives, so no row is
 * kept as strings until the flush, and a take encodes one `INCRBY key sum` / `HINCRBY key field
 * sum` per key (field), keys and each key's fields in order of first appearance, then each key's
 * TTL — the commands the writer makes from arrays (writers/sum.ts), byte for byte.
 *
 * Counters take a retraction back by adding it negated (a row like any other): no removals.
 */
export class SumPipeline implements RowPipeline {
  readonly #encoder: CommandEncoder;
  readonly #verb: string;
  /** `*3 $6 INCRBY` or `*4 $7 HINCRBY`: each command's array header and name. */
  readonly #head: Buffer;
  readonly #withField: boolean;
  readonly #after: ((key: string | Buffer) => readonly Command[]) | null;
  readonly #keys = new KeyMap<KeySum>();
  #order: KeySum[] = [];
  #extra: (readonly (string | Buffer)[])[] = [];

  constructor(
    encoder: CommandEncoder,
    verb: 'INCRBY' | 'HINCRBY',
    withField: boolean,
    after: ((key: string | Buffer) => readonly Command[]) | null,
  ) {
    this.#encoder = encoder;
    this.#verb = verb;
    this.#withField = withField;
    this.#head = Buffer.from(`*${withField ? 4 : 3}\r\n$${verb.length}\r\n${verb}\r\n`, 'latin1');
    this.#after = after;
  }

  add(key: string | Buffer, field: string | Buffer, value: string | Buffer): void {
    const sum = this.#sum(key, field);
    sum.rows++;
    if (typeof value === 'string') sum.add(value);
    else sum.addBytes(value, 0, value.length);
  }

  addBytes(key: string | Buffer, field: string | Buffer, value: Uint8Array): void {
    const sum = this.#sum(key, field);
    sum.rows++;
    sum.addBytes(value, 0, value.length);
  }

  addPayload(row: PayloadRow): void {
    const sum = this.#sum(row.key, this.#withField ? row.field : '');
    sum.rows++;
    sum.addBytes(row.src, row.valueAt, row.valueEnd);
  }

  addRemove(): void {
    throw new Error(`${this.#verb} rows cannot be removed`);
  }

  addCommand(args: readonly (string | Buffer)[]): void {
    this.#extra.push(args);
  }

  take(): EncodedFlush {
    const e = this.#encoder;
    const head = this.#head;
    const rowsPerCommand: number[] = [];
    for (const run of this.#order) {
      if (!this.#withField) {
        e.raw(head);
        e.arg(run.name);
        e.arg(run.text());
        rowsPerCommand.push(run.rows);
        continue;
      }
      for (const f of run.fields!) {
        e.raw(head);
        e.arg(run.name);
        e.arg(f.name!);
        e.arg(f.text());
        rowsPerCommand.push(f.rows);
      }
    }
    if (this.#after !== null) {
      for (const run of this.#order) {
        for (const cmd of this.#after(run.name)) {
          e.encode(cmd);
          rowsPerCommand.push(0);
        }
      }
    }
    encodeAppended(e, this.#extra, rowsPerCommand);
    this.#keys.clear();
    this.#order = [];
    this.#extra = [];
    return { chunks: e.take(), count: rowsPerCommand.length, name: this.#verb, rowsPerCommand };
  }

  /** The running sum a row adds to: its key's, or its key's field's. */
  #sum(key: string | Buffer, field: string | Buffer): RowSum {
    const run = this.#run(key);
    return this.#withField ? run.field(field) : run;
  }

  #run(key: string | Buffer): KeySum {
    let run = this.#keys.get(key);
    if (run === undefined) {
      run = new KeySum(key);
      this.#keys.setLast(run);
      this.#order.push(run);
    }
    return run;
  }
}
