import { DEFAULT_MAX_ARGUMENT_LENGTH } from '../resp/options.js';
import type { Column } from '../schema/sql-type.js';
import { holdsCollection, isTooLong, text } from '../schema/text.js';
import { PayloadRow, RefusedRow } from './encoded-row.js';
import { jsonRow } from './json-row.js';
import type { SinkTable } from './model.js';
import { writerOf } from './writers/index.js';

/**
 * A row as the sink receives it: a plain object `{ [column]: value }`. Typed as `object` so rows
 * declared with interfaces (which have no index signature) are accepted too.
 */
export type Row = object;

/**
 * Turns rows into key, field and value for one table, following the key and value rules of docs/configuration.md
 * contracts. One encoder per table; `encode` fills the public fields instead of allocating a
 * result per row, and reports a bad row by returning its reason.
 */
export class RowEncoder {
  key: string | Buffer = '';
  field: string | Buffer = '';
  value: string | Buffer = '';
  readonly #prefix: string;
  readonly #prefixBytes: Buffer;
  readonly #keyColumn: string | undefined;
  readonly #fieldColumn: string | undefined;
  readonly #raw: boolean;
  readonly #valueColumn: string | undefined;
  readonly #columns: readonly Column[] | undefined;
  /**
   * List and hash tables: key column text → full key, so rows of one key share one string
   * (grouping per key hashes and flattens it once; no concatenation per row, see
   * docs/benchmarks.md). Cleared when it grows past
   * {@link MAX_CACHED_KEYS}; tables whose keys rarely repeat (strings) keep none.
   */
  readonly #keyCache: Map<string, string> | null;

  constructor(table: SinkTable) {
    const t = table.target;
    const writer = writerOf(t);
    this.#prefix = writer.keyPrefix(t);
    this.#prefixBytes = Buffer.from(this.#prefix, 'utf8');
    this.#keyColumn = writer.keyColumn(t);
    this.#fieldColumn = writer.fieldColumn(t);
    this.#raw = table.format === 'raw';
    this.#valueColumn = table.valueColumn;
    this.#columns = table.schema;
    this.#keyCache = writer.keysRepeat ? new Map() : null;
  }

  /**
   * Encodes one row; returns null when it can be written, else why not. Never throws: a row whose
   * reading or serialising throws (a getter or `toJSON` that throws, text longer than the longest
   * JavaScript string) is a bad row like any other, with the reason said.
   */
  encode(input: Row): string | null {
    try {
      return this.#encode(input);
    } catch (err) {
      return thrownProblem(err);
    }
  }

  #encode(input: Row): string | null {
    if (input === null || typeof input !== 'object') return 'the row is not an object';
    if (input instanceof PayloadRow) {
      this.key = input.key;
      this.field = input.field;
      this.value = input.value;
      return null;
    }
    if (input instanceof RefusedRow) return input.reason;
    const row = input as Record<string, unknown>;
    const kc = this.#keyColumn;
    if (kc === undefined) {
      this.key = this.#prefix;
    } else {
      const part = text(row[kc]);
      if (part === undefined) return columnProblem('key', kc, row[kc]);
      // An empty key column would write the bare prefix, which no row means to do.
      if (part.length === 0) return `key column '${kc}' is empty`;
      if (typeof part !== 'string') {
        this.key = Buffer.concat([this.#prefixBytes, part]);
      } else if (this.#keyCache === null) {
        if (!part.isWellFormed()) return loneSurrogate('key', kc);
        this.key = this.#prefix + part;
      } else {
        const key = this.#cachedKey(part);
        if (key === undefined) return loneSurrogate('key', kc);
        this.key = key;
      }
    }
    const fc = this.#fieldColumn;
    if (fc !== undefined) {
      const f = text(row[fc]);
      if (f === undefined) return columnProblem('field', fc, row[fc]);
      if (typeof f === 'string' && !f.isWellFormed()) return loneSurrogate('field', fc);
      this.field = f;
    }
    if (this.#raw) {
      const vc = this.#valueColumn!;
      const v = text(row[vc]);
      if (v === undefined) return columnProblem('value', vc, row[vc]);
      if (typeof v === 'string' && !v.isWellFormed()) return loneSurrogate('value', vc);
      this.value = v;
    } else {
      const json = jsonRow(row, this.#columns);
      if (json.charCodeAt(0) === 33 /* ! */) return json.slice(1);
      this.value = json;
    }
    return tooLarge(this.value) ? VALUE_TOO_LARGE : null;
  }

  /** The key of `part`; undefined when it is not well-formed (checked once, when first seen). */
  #cachedKey(part: string): string | undefined {
    const cache = this.#keyCache!;
    let key = cache.get(part);
    if (key === undefined) {
      if (!part.isWellFormed()) return undefined;
      if (cache.size >= MAX_CACHED_KEYS) cache.clear();
      key = this.#prefix + part;
      cache.set(part, key);
    }
    return key;
  }
}

/** Redis refuses a bulk string longer than this (its default `proto-max-bulk-len`). */
const MAX_VALUE_BYTES = DEFAULT_MAX_ARGUMENT_LENGTH;
const VALUE_TOO_LARGE = `the value is larger than Redis accepts (${MAX_VALUE_BYTES / 1024 / 1024} MiB, its proto-max-bulk-len)`;

/**
 * Whether a value is over {@link MAX_VALUE_BYTES}. A string of up to a third of the limit in
 * UTF-16 units cannot be (3 UTF-8 bytes per unit at most), so most rows cost one comparison.
 */
function tooLarge(v: string | Buffer): boolean {
  if (typeof v !== 'string') return v.byteLength > MAX_VALUE_BYTES;
  return v.length > MAX_VALUE_BYTES / 3 && Buffer.byteLength(v) > MAX_VALUE_BYTES;
}

/** Distinct keys a list or hash table's encoder remembers (see RowEncoder). */
const MAX_CACHED_KEYS = 10_000;

/**
 * Why a row whose encoding threw cannot be written. Names the kind of failure, never the error's
 * message: a `toJSON` or getter may put the row's contents there.
 */
function thrownProblem(err: unknown): string {
  if (isTooLong(err)) return "the row's text would be longer than the longest JavaScript string";
  if (err instanceof RangeError) return 'the row is nested too deep to encode';
  const name = (err as { name?: unknown } | null)?.name;
  const shown = typeof name === 'string' && /^\w{1,64}$/.test(name) ? name : 'an error';
  return `reading the row threw ${shown} (a getter, a Proxy or a toJSON method)`;
}

/**
 * Text that is not well-formed UTF-16 holds a lone surrogate, which UTF-8 cannot carry: Redis
 * would get U+FFFD in its place, and two different ids could become one key.
 */
function loneSurrogate(role: string, column: string): string {
  return `${role} column '${column}' holds a lone surrogate (not well-formed Unicode), which UTF-8 would turn into U+FFFD`;
}

function columnProblem(role: string, column: string, value: unknown): string {
  if (value === undefined) return `${role} column '${column}' is missing`;
  if (value === null) return `${role} column '${column}' is null`;
  if (typeof value === 'object' && holdsCollection(value)) {
    return `${role} column '${column}' holds a Map or Set, which has no text form (JSON would write it as {})`;
  }
  return `${role} column '${column}' has a value of type ${valueType(value)} that has no text form`;
}

function valueType(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : 'non-finite number';
  if (v instanceof Date) return 'invalid Date';
  return typeof v;
}
