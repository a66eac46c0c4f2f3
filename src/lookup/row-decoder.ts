/**
 * Redis replies → rows of a lookup table. Values take the run-time types of the SQL engine
 * (schema/expr-type.ts: TEXT string, INTEGER number, BIGINT number or bigint, DOUBLE number,
 * BOOLEAN boolean, TIMESTAMP Date, JSON any JSON value, BYTEA Buffer) through the same coercion
 * the engine applies to values from untyped sources (schema/cast.ts `coercion`); a column's text
 * is read by its type's `fromText` (schema/sql-type-table.ts).
 *
 * | value type / format | Redis holds                  | a column's value                                   |
 * |---------------------|------------------------------|----------------------------------------------------|
 * | string, `json`      | a JSON object                | its field of the column's name, coerced; missing → null |
 * | string, `raw`       | anything                     | the whole string, read as the value column's type  |
 * | hash                | a hash                       | the field of the column's name, read as its type   |
 *
 * "Read as its type" (raw strings and hash fields are text): TEXT as is, JSON parsed, BYTEA the
 * bytes as stored, others coerced from their text (`'42'` → 42, `'true'` → true, ISO-8601 →
 * Date). In JSON objects BYTEA values are base64 text, as the sink writes them.
 *
 * The key column is the joined value read as the key column's type. A value that does not convert
 * follows the table's `'lookup.bad_value'` policy. Converters are built once per table: nothing
 * here allocates a closure per row.
 */

import type { Reply } from '../resp/reply.js';
import { type Conversion, coercion } from '../schema/cast.js';
import type { SqlType } from '../schema/sql-type.js';
import { SQL_TYPE_TABLE } from '../schema/sql-type-table.js';
import { LookupValueError } from './errors.js';
import type { LookupRow, LookupTable } from './model.js';

/** Fixed cost of a cached row (object header, hidden class slot), bytes; an estimate. */
const ROW_OVERHEAD = 64;
/** Per column of a cached row (property slot and boxed value), bytes; an estimate. */
const COLUMN_OVERHEAD = 16;

const text = (v: unknown): unknown => v;

/** Decodes one table's replies. Built once per table. */
export class RowDecoder {
  /** Replies must come as Buffers: some column keeps the stored bytes (raw or hash BYTEA). */
  readonly needsBuffers: boolean;
  /** Hash tables: the fields HMGET asks for, in column order. */
  readonly fields: readonly string[];
  readonly #table: LookupTable;
  readonly #names: readonly string[];
  /** Per column: its index among {@link fields}, or -1 for the key column. */
  readonly #fieldIndex: Int32Array;
  readonly #fromJson: readonly Conversion[];
  readonly #fromText: readonly Conversion[];
  readonly #textual: readonly boolean[];
  readonly #keyConversion: Conversion;
  readonly #rawIndex: number;
  /** Estimated size of a row without its variable part, bytes. */
  readonly #rowOverhead: number;
  /** Every column null, in declared order: rows are copies of it, so they all share one shape. */
  readonly #template: LookupRow;
  /** Per column: its name is also a property of Object.prototype (`constructor`, ...). */
  readonly #inherited: readonly boolean[];
  /** Per column: its type when a JSON value of that type is taken as it is (TEXT, INTEGER, BIGINT, DOUBLE). */
  readonly #plainJson: readonly (SqlType | undefined)[];

  constructor(table: LookupTable) {
    this.#table = table;
    const cols = table.columns;
    this.#names = cols.map((c) => c.name);
    this.#fromJson = cols.map((c) => coercion(c.type));
    // How a column's text (a raw string or a hash field) becomes its value.
    this.#fromText = cols.map((c) => SQL_TYPE_TABLE[c.type].fromText);
    this.#textual = cols.map((c) => c.type !== 'BYTEA');
    const key = cols.find((c) => c.name === table.keyColumn)!;
    this.#keyConversion = key.type === 'TEXT' ? text : coercion(key.type);
    this.#fieldIndex = new Int32Array(cols.length);
    const fields: string[] = [];
    for (let i = 0; i < cols.length; i++) {
      this.#fieldIndex[i] = cols[i].name === table.keyColumn ? -1 : fields.push(cols[i].name) - 1;
    }
    this.fields = fields;
    this.#rawIndex = table.valueColumn === undefined ? -1 : this.#names.indexOf(table.valueColumn);
    const binary = cols.some((c) => c.name !== table.keyColumn && c.type === 'BYTEA');
    this.needsBuffers = binary && (table.valueType === 'hash' || table.format === 'raw');
    this.#rowOverhead = ROW_OVERHEAD + COLUMN_OVERHEAD * cols.length;
    this.#template = Object.fromEntries(cols.map((c) => [c.name, null]));
    this.#inherited = cols.map((c) => c.name in Object.prototype);
    this.#plainJson = cols.map((c) =>
      c.type === 'TEXT' || c.type === 'INTEGER' || c.type === 'BIGINT' || c.type === 'DOUBLE'
        ? c.type
        : undefined,
    );
  }

  /** A string value (MGET element): null when the key is absent. */
  fromString(key: string, value: Reply): LookupRow | null {
    if (value === null || value === undefined) return null;
    if (this.#table.format === 'raw') return this.#raw(key, value);
    const source = Buffer.isBuffer(value) ? value.toString('utf8') : value;
    let parsed: unknown;
    try {
      parsed = typeof source === 'string' ? JSON.parse(source) : undefined;
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      if (this.#table.badValue === 'null') return null;
      throw new LookupValueError('the stored value is not a JSON object', { table: this.#table.name, key });
    }
    const obj = parsed as Record<string, unknown>;
    const row = { ...this.#template };
    for (let i = 0; i < this.#names.length; i++) {
      const name = this.#names[i];
      if (this.#fieldIndex[i] === -1) {
        row[name] = this.#keyValue(key);
        continue;
      }
      const v = this.#inherited[i] && !Object.hasOwn(obj, name) ? null : obj[name];
      if (v === null || v === undefined) continue;
      // The common case without a call: a JSON value that already is the column's run-time value
      // (what the coercion would return unchanged).
      const plain = this.#plainJson[i];
      if (
        (plain === 'TEXT' && typeof v === 'string') ||
        (plain === 'DOUBLE' && typeof v === 'number') ||
        ((plain === 'INTEGER' || plain === 'BIGINT') && Number.isSafeInteger(v))
      ) {
        row[name] = v;
      } else {
        row[name] = this.#convert(key, i, this.#fromJson[i], v);
      }
    }
    return row;
  }

  /** An `HMGET` reply (one element per {@link fields} entry): null when every field is absent. */
  fromHashFields(key: string, values: Reply): LookupRow | null {
    if (!Array.isArray(values)) return this.#notAHash(key, values);
    let present = false;
    for (let j = 0; j < values.length; j++) if (values[j] !== null) present = true;
    if (!present) return null;
    const row = { ...this.#template };
    for (let i = 0; i < this.#names.length; i++) {
      const f = this.#fieldIndex[i];
      row[this.#names[i]] = f === -1 ? this.#keyValue(key) : this.#textValue(key, i, values[f]);
    }
    return row;
  }

  /** An `HGETALL` reply (RESP3 map or RESP2 flat array): null for an empty (absent) hash. */
  fromHashAll(key: string, reply: Reply): LookupRow | null {
    let map: Map<string, Reply>;
    if (reply instanceof Map) {
      if (reply.size === 0) return null;
      map = new Map();
      for (const [k, v] of reply) map.set(Buffer.isBuffer(k) ? k.toString('utf8') : String(k), v);
    } else if (Array.isArray(reply)) {
      if (reply.length === 0) return null;
      map = new Map();
      for (let j = 0; j + 1 < reply.length; j += 2) {
        const k = reply[j];
        map.set(Buffer.isBuffer(k) ? k.toString('utf8') : String(k), reply[j + 1]);
      }
    } else {
      return this.#notAHash(key, reply);
    }
    const row = { ...this.#template };
    for (let i = 0; i < this.#names.length; i++) {
      const name = this.#names[i];
      row[name] =
        this.#fieldIndex[i] === -1 ? this.#keyValue(key) : this.#textValue(key, i, map.get(name) ?? null);
    }
    return row;
  }

  /** Estimated bytes a cached row of this reply holds (the decoded form tracks the stored size). */
  estimateBytes(reply: Reply): number {
    return this.#rowOverhead + replyBytes(reply);
  }

  #raw(key: string, value: Reply): LookupRow {
    const row = { ...this.#template };
    for (let i = 0; i < this.#names.length; i++) {
      row[this.#names[i]] = i === this.#rawIndex ? this.#textValue(key, i, value) : this.#keyValue(key);
    }
    return row;
  }

  #textValue(key: string, i: number, v: Reply): unknown {
    if (v === null || v === undefined) return null;
    const source = Buffer.isBuffer(v) && this.#textual[i] ? v.toString('utf8') : v;
    return this.#convert(key, i, this.#fromText[i], source);
  }

  #keyValue(key: string): unknown {
    try {
      return this.#keyConversion(key);
    } catch (e) {
      return this.#bad(key, this.#table.keyColumn, e);
    }
  }

  #convert(key: string, i: number, conversion: Conversion, v: unknown): unknown {
    try {
      return conversion(v);
    } catch (e) {
      return this.#bad(key, this.#names[i], e);
    }
  }

  #bad(key: string, column: string, e: unknown): null {
    if (this.#table.badValue === 'null') return null;
    const reason = e instanceof Error ? e.message : String(e);
    throw new LookupValueError(`column '${column}' cannot be read: ${reason}`, {
      table: this.#table.name,
      key,
      column,
      cause: e,
    });
  }

  #notAHash(key: string, reply: Reply): null {
    if (this.#table.badValue === 'null') return null;
    throw new LookupValueError(`expected a hash reply, got ${typeof reply}`, {
      table: this.#table.name,
      key,
    });
  }
}

/** Bytes of a reply's payload: UTF-16 strings count two bytes a character, as V8 may store them. */
function replyBytes(reply: Reply): number {
  if (typeof reply === 'string') return 2 * reply.length;
  if (Buffer.isBuffer(reply)) return reply.length;
  if (Array.isArray(reply)) {
    let n = 0;
    for (const r of reply) n += COLUMN_OVERHEAD + replyBytes(r);
    return n;
  }
  if (reply instanceof Map) {
    let n = 0;
    for (const [k, v] of reply) n += COLUMN_OVERHEAD + replyBytes(k) + replyBytes(v);
    return n;
  }
  return 8;
}
