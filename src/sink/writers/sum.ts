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

/**
 * An exact running sum of integer texts: a number while it stays a safe integer; past that, the
 * bigint it had reached plus a number summing the increments since (so that a sum past 2^53 still
 * adds most increments as numbers).
 */
export class IntegerSum {
  #n = 0;
  #big: bigint | null = null;

  /** Adds an integer's text (decimal, as `integerArg` writes it). */
  add(v: string): void {
    // Fifteen characters or fewer: below 10^15 in magnitude, a number holds it exactly.
    if (v.length <= 15) this.#addSmall(Number(v));
    else this.#big = (this.#big ?? 0n) + BigInt(v);
  }

  /** Adds the integer whose decimal text is bytes `at..end` of `src`. */
  addBytes(src: Uint8Array, at: number, end: number): void {
    if (end - at <= 15 && end > at) {
      let i = at;
      const neg = src[i] === 45; /* - */
      if (neg || src[i] === 43 /* + */) i++;
      const digits = i;
      let x = 0;
      for (; i < end; i++) {
        const d = src[i] - 48;
        if (d < 0 || d > 9) break;
        x = x * 10 + d;
      }
      // Anything but a sign and digits goes the way of text, as the writer's rows do.
      if (i === end && i > digits) {
        this.#addSmall(neg ? -x : x);
        return;
      }
    }
    this.add(Buffer.from(src.buffer, src.byteOffset + at, end - at).toString('latin1'));
  }

  /** The sum as text; starts the sum again from 0. */
  text(): string {
    const out = this.#big === null ? String(this.#n) : (this.#big + BigInt(this.#n)).toString();
    this.#n = 0;
    this.#big = null;
    return out;
  }

  /** Adds `x`, a safe integer (or NaN from text that is not an integer, which BigInt refuses). */
  #addSmall(x: number): void {
    const s = this.#n + x;
    // An exact sum past 2^53 - 1 rounds to at least 2^53: the check never passes a rounded sum.
    if (Number.isSafeInteger(s)) {
      this.#n = s;
      return;
    }
    this.#big = (this.#big ?? 0n) + BigInt(this.#n) + BigInt(x);
    this.#n = 0;
  }
}

const groupSum = new IntegerSum();
