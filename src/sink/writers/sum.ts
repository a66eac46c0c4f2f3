import type { Arg } from '../../resp/reply.js';
import type { FlushCommands, FlushRows } from './writer.js';

/**
 * Integer increments summed per key (and per field, `withField`): one `verb key [field] sum` each,
 * the same end state as one command per row. Sums stay exact: numbers while they are safe
 * integers, bigints past that. Redis judges an overflow of its signed 64 bits on the sum: a
 * flush whose increments would overflow only part way (and come back) is applied, and one whose
 * sum overflows is refused, failing the sink, even where row by row would have ended in range.
 */
export function sumByKey(verb: string, rows: FlushRows, withField: boolean, out: FlushCommands): void {
  const { fields, values } = rows;
  for (const g of rows.groups()) {
    if (!withField) {
      out.commands.push([verb, g.key, integerSum(values, g.rows)]);
      out.rowsPerCommand.push(g.rows.length);
      continue;
    }
    const byField = new Map<string, number[]>();
    const names = new Map<string, string | Buffer>();
    for (const r of g.rows) {
      const f = fields[r];
      const id = typeof f === 'string' ? `s${f}` : `b${f.toString('latin1')}`;
      let list = byField.get(id);
      if (list === undefined) {
        list = [];
        byField.set(id, list);
        names.set(id, f);
      }
      list.push(r);
    }
    for (const [id, list] of byField) {
      const cmd: Arg[] = [verb, g.key, names.get(id)!, integerSum(values, list)];
      out.commands.push(cmd);
      out.rowsPerCommand.push(list.length);
    }
  }
}

/** The exact sum of the integer texts of `rows`, as text. */
export function integerSum(values: readonly (string | Buffer)[], rows: readonly number[]): string {
  for (const r of rows) groupSum.add(values[r] as string);
  return groupSum.text();
}

/** An exact running sum of integer texts: a number while it stays a safe integer, a bigint past that. */
export class IntegerSum {
  #n = 0;
  #big: bigint | null = null;

  add(v: string): void {
    if (this.#big === null) {
      const x = Number(v);
      const s = this.#n + x;
      if (Number.isSafeInteger(x) && Number.isSafeInteger(s)) {
        this.#n = s;
        return;
      }
      this.#big = BigInt(this.#n);
    }
    this.#big += BigInt(v);
  }

  /** The sum as text; starts the sum again from 0. */
  text(): string {
    const out = this.#big === null ? String(this.#n) : this.#big.toString();
    this.#n = 0;
    this.#big = null;
    return out;
  }
}

const groupSum = new IntegerSum();
