/**
 * Reads changelog rows out of parsed JSON values (docs/changelogs.md): Debezium-style envelopes,
 * or plain rows with an operation column. Each value gives zero, one or two rows with their kinds
 * (an update with its old row gives `-U` then `+U`), or the reason it is not a changelog entry.
 *
 * | input                              | rows                          |
 * |------------------------------------|-------------------------------|
 * | op `c` or `r` (snapshot read)      | `+I` after                    |
 * | op `u`                             | `-U` before, `+U` after       |
 * | op `u` without before, `upsert`    | `+U` after                    |
 * | op `d`                             | `-D` before (or the key)      |
 * | `{ "key": k, "value": null }`      | `-D` k (a tombstone), `upsert`; skipped, `retract` |
 *
 * It lives below the sources and the Producer because all of them read changelogs: JSON-lines
 * sources, HTTP ingest and `Producer.write(rows, { format })`, each with the same rules.
 */
import { ROW_DELETE, ROW_INSERT, ROW_UPDATE_AFTER, ROW_UPDATE_BEFORE, rowKindOf } from '../sink/changelog.js';
import type { Row } from '../sink/row-encoder.js';
import type { ChangelogFormat } from './changelog-format.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Operations of an op column besides the kinds' short names (`+I`, `-U`, `+U`, `-D`). */
const OPS: Readonly<Record<string, number>> = {
  c: ROW_INSERT,
  r: ROW_INSERT,
  u: ROW_UPDATE_AFTER,
  d: ROW_DELETE,
};

/** What an update without its old row is told under `retract`, as a SQL source spells it. */
const SOURCE_RETRACT_HINT =
  "this source retracts old rows ('source.updates' = 'retract'); capture full before images, or set 'source.updates' = 'upsert' if no GROUP BY reads it";

/** Turns parsed lines of a changelog source into rows and kinds. */
export class ChangelogDecoder {
  readonly #f: ChangelogFormat;
  readonly #retract: boolean;
  readonly #retractHint: string;

  /**
   * `retractHint`: what follows "op 'u' without a 'before' row: " under `retract`, naming the
   * setting as the caller's users write it (a SQL source's `'source.updates'` by default).
   */
  constructor(format: ChangelogFormat, retractHint = SOURCE_RETRACT_HINT) {
    this.#f = format;
    this.#retract = (format.updates ?? 'retract') === 'retract';
    this.#retractHint = retractHint;
  }

  /**
   * Appends the rows of `value` (one parsed line) and their kinds; returns why the line is not a
   * changelog entry instead (nothing appended then).
   */
  decode(value: Obj, rows: Row[], kinds: number[]): string | undefined {
    return this.#f.format === 'json'
      ? this.#opColumn(value, rows, kinds)
      : this.#debezium(value, rows, kinds);
  }

  #opColumn(row: Obj, rows: Row[], kinds: number[]): string | undefined {
    const column = this.#f.opColumn!;
    const op = row[column];
    if (typeof op !== 'string') return `no operation in column '${column}'`;
    const kind = OPS[op] ?? rowKindOf(op);
    if (kind === undefined) return unknownOp(op, `column '${column}'`, 'c, r, u, d, +I, -U, +U, -D');
    const { [column]: _, ...rest } = row;
    rows.push(rest);
    kinds.push(kind);
    return undefined;
  }

  #debezium(line: Obj, rows: Row[], kinds: number[]): string | undefined {
    let env: unknown = line;
    let key: unknown;
    if (!('op' in line) && 'value' in line) {
      // A keyed message, as Kafka carries it: a null value is a tombstone for its key.
      key = unwrap(line.key);
      env = line.value;
      if (env === null) {
        // Debezium follows a delete with its tombstone (for log compaction): the delete already
        // retracted the row, and the key alone could not be retracted from a GROUP BY's groups.
        if (this.#retract) return undefined;
        if (!isObj(key))
          return 'a tombstone (null value) without a key object: nothing says which row to delete';
        rows.push(key);
        kinds.push(ROW_DELETE);
        return undefined;
      }
    }
    env = unwrap(env);
    if (!isObj(env)) return 'not a Debezium envelope (an object with before, after and op)';
    const { op, before, after } = env;
    if (typeof op !== 'string') return "a Debezium envelope without 'op'";
    switch (op) {
      case 'c':
      case 'r':
        if (!isObj(after)) return `op '${op}' without an 'after' row`;
        rows.push(after);
        kinds.push(ROW_INSERT);
        return undefined;
      case 'u':
        if (!isObj(after)) return "op 'u' without an 'after' row";
        if (isObj(before)) {
          rows.push(before, after);
          kinds.push(ROW_UPDATE_BEFORE, ROW_UPDATE_AFTER);
          return undefined;
        }
        if (this.#retract) return `op 'u' without a 'before' row: ${this.#retractHint}`;
        rows.push(after);
        kinds.push(ROW_UPDATE_AFTER);
        return undefined;
      case 'd': {
        const row = isObj(before) ? before : key;
        if (!isObj(row)) return "op 'd' without a 'before' row or a key: nothing says which row to delete";
        rows.push(row);
        kinds.push(ROW_DELETE);
        return undefined;
      }
      default:
        return unknownOp(op, "'op'", 'c, r, u, d');
    }
  }
}

/** The `payload` of the JSON converter's `{ schema, payload }` form, else the value itself. */
function unwrap(v: unknown): unknown {
  return isObj(v) && 'payload' in v && ('schema' in v || Object.keys(v).length === 1) ? v.payload : v;
}

function unknownOp(op: string, where: string, known: string): string {
  return `unknown operation ${JSON.stringify(op.slice(0, 20))} in ${where} (known: ${known})`;
}
