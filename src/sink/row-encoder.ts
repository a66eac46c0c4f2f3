import { DEFAULT_MAX_ARGUMENT_LENGTH } from '../resp/options.js';
import type { Column } from '../schema/sql-type.js';
import { holdsCollection, isTooLong, text } from '../schema/text.js';
import { PayloadRow, RefusedRow } from './encoded-row.js';
import { jsonRow, lastRowTextIsStringify } from './json-row.js';
import { JsonRowBytes } from './json-row-bytes.js';
import { type KeyTemplate, parseKeyTemplate } from './key-template.js';
import type { SinkTable } from './model.js';
import { expiryTime, integerArg, MAX_EXPIRY_MS, numberArg, ttlSeconds } from './numbers.js';
import { type RowShape, type ValueKind, writerOf } from './writers/index.js';

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
  /** The row's TTL (seconds, or ms since the epoch) when the table takes it from a column. */
  ttl = 0;
  /** One field/value pair per column, for tables whose rows are written a column per field. */
  pairs: (string | Buffer)[] = [];
  /** Columns that were null, where nulls delete their field. */
  deletes: string[] | null = null;
  /**
   * The last row's value is not {@link value} (left empty) but the first `json.length` bytes of
   * `json.buf`: the row's JSON text, written there by {@link encode} when asked to.
   */
  valueInBytes = false;
  /** Where {@link encode} writes a JSON value as bytes; made on the first such row. */
  json: JsonRowBytes | null = null;
  /** The last row's value came from the JSON format's encoding of the whole row. */
  #fromJson = false;
  readonly #prefix: string;
  readonly #template: KeyTemplate | null;
  readonly #shape: RowShape;
  /** Columns that make the key or the TTL: never written as fields of their own. */
  readonly #keyParts: ReadonlySet<string>;
  /** With a schema, the columns written one per field (all but {@link #keyParts}). */
  readonly #fieldNames: readonly string[] | null;
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
  /**
   * The same for key columns holding numbers (user ids): the number's text is not made again for
   * every row. Numbers give the same text for the same value (SameValueZero: 0 and -0 both "0").
   */
  readonly #numberKeys: Map<number, string> | null;

  constructor(table: SinkTable) {
    const t = table.target;
    const writer = writerOf(t);
    this.#prefix = writer.keyPrefix(t);
    this.#prefixBytes = Buffer.from(this.#prefix, 'utf8');
    this.#keyColumn = writer.keyColumn(t);
    const template = writer.keyTemplate(t);
    const parsed = template === undefined ? null : parseKeyTemplate(template);
    // Validation refused a bad template already; a model built by hand gets the same reason here.
    if (typeof parsed === 'string') throw new Error(`key template ${parsed}`);
    this.#template = parsed;
    this.#shape = writer.shape(t);
    const f = this.#shape.field;
    this.#fieldColumn = f?.kind === 'text' ? f.column : undefined;
    const parts = new Set<string>(parsed?.columns ?? []);
    if (this.#keyColumn !== undefined) parts.add(this.#keyColumn);
    if (this.#shape.ttl !== undefined) parts.add(this.#shape.ttl.column);
    this.#keyParts = parts;
    this.#raw = table.format === 'raw';
    this.#valueColumn = table.valueColumn;
    this.#columns = table.schema;
    this.#fieldNames = table.schema?.map((c) => c.name).filter((n) => !parts.has(n)) ?? null;
    this.#keyCache = writer.keysRepeat ? new Map() : null;
    this.#numberKeys = writer.keysRepeat ? new Map() : null;
  }

  /**
   * Encodes one row; returns null when it can be written, else why not. Never throws: a row whose
   * reading or serialising throws (a getter or `toJSON` that throws, text longer than the longest
   * JavaScript string) is a bad row like any other, with the reason said.
   *
   * With `bytes`, a value that is the row's JSON text may be written as bytes instead (see
   * {@link valueInBytes}): for a caller that copies it at once, before the next row.
   */
  encode(input: Row, bytes = false): string | null {
    try {
      return this.#encode(input, bytes);
    } catch (err) {
      return thrownProblem(err);
    }
  }

  #encode(input: Row, bytes: boolean): string | null {
    this.#fromJson = false;
    this.valueInBytes = false;
    if (input === null || typeof input !== 'object') return 'the row is not an object';
    if (input instanceof PayloadRow) {
      this.key = input.key;
      this.field = input.field;
      this.value = input.value;
      return null;
    }
    if (input instanceof RefusedRow) return input.reason;
    const row = input as Record<string, unknown>;
    const problem = this.#key(row);
    if (problem !== null) return problem;
    return this.#rest(row, bytes);
  }

  /**
   * Whether the value of the row just encoded is that row's own `JSON.stringify` text, so that a
   * producer sending the row as JSON may send it as it is. Ask right after {@link encode}, before
   * any other row is encoded.
   */
  get valueIsRowJson(): boolean {
    return this.#fromJson && lastRowTextIsStringify();
  }

  /**
   * Computes only the row's key (what routing needs); returns null when it can, else why not.
   * Never throws.
   */
  encodeKey(input: Row): string | null {
    try {
      if (input === null || typeof input !== 'object') return 'the row is not an object';
      if (input instanceof PayloadRow) {
        this.key = input.key;
        return null;
      }
      if (input instanceof RefusedRow) return input.reason;
      return this.#key(input as Record<string, unknown>);
    } catch (err) {
      return thrownProblem(err);
    }
  }

  #key(row: Record<string, unknown>): string | null {
    const kc = this.#keyColumn;
    if (this.#template !== null) return this.#templateKey(row);
    if (kc === undefined) {
      this.key = this.#prefix;
    } else {
      const v = row[kc];
      if (typeof v === 'number' && this.#numberKeys !== null) {
        const known = this.#numberKeys.get(v);
        if (known !== undefined) {
          this.key = known;
          return null;
        }
      }
      const part = text(v);
      if (part === undefined) return columnProblem('key', kc, v);
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
        if (typeof v === 'number') {
          const numbers = this.#numberKeys!;
          if (numbers.size >= MAX_CACHED_KEYS) numbers.clear();
          numbers.set(v, key);
        }
      }
    }
    return null;
  }

  /** Everything but the key: field, TTL, value. */
  #rest(row: Record<string, unknown>, bytes: boolean): string | null {
    const fc = this.#fieldColumn;
    if (fc !== undefined) {
      const f = text(row[fc]);
      if (f === undefined) return columnProblem('field', fc, row[fc]);
      if (typeof f === 'string' && !f.isWellFormed()) return loneSurrogate('field', fc);
      this.field = f;
    }
    const shape = this.#shape;
    if (shape.field !== undefined && fc === undefined) {
      const { column, kind, role } = shape.field;
      const f = numeric(row[column], kind);
      if (f === undefined) return numberProblem(role, column, kind, row[column]);
      this.field = f;
    }
    if (shape.ttl !== undefined) {
      const problem = this.#ttl(row, shape.ttl.column, shape.ttl.kind);
      if (problem !== null) return problem;
    }
    if (shape.value !== undefined) {
      const { column, kind, role } = shape.value;
      const v = row[column];
      if (kind === 'text') {
        const t = text(v);
        if (t === undefined) return columnProblem(role, column, v);
        if (typeof t === 'string' && !t.isWellFormed()) return loneSurrogate(role, column);
        this.value = t;
      } else {
        const n = numeric(v, kind);
        if (n === undefined) return numberProblem(role, column, kind, v);
        this.value = n;
      }
      return tooLarge(this.value) ? VALUE_TOO_LARGE : null;
    }
    if (shape.columns !== undefined) return this.#perColumn(row, shape.columns.nulls === 'delete');
    const added = shape.added;
    if (
      added !== undefined &&
      this.#columns === undefined &&
      row[added.field] !== undefined &&
      Object.hasOwn(row, added.field)
    ) {
      return `the row has a field '${added.field}' of its own, the name of the table's ${added.role} field`;
    }
    if (this.#raw) {
      const vc = this.#valueColumn!;
      const v = text(row[vc]);
      if (v === undefined) return columnProblem('value', vc, row[vc]);
      if (typeof v === 'string' && !v.isWellFormed()) return loneSurrogate('value', vc);
      this.value = v;
    } else if (bytes && (this.json ??= new JsonRowBytes()).write(row, this.#columns)) {
      // Well below Redis's bulk limit: longer rows are left to jsonRow.
      this.value = '';
      this.valueInBytes = true;
      return null;
    } else {
      const json = jsonRow(row, this.#columns);
      if (json.charCodeAt(0) === 33 /* ! */) return json.slice(1);
      this.value = json;
      this.#fromJson = true;
    }
    return tooLarge(this.value) ? VALUE_TOO_LARGE : null;
  }

  /** Builds the key from the template; returns why not. */
  #templateKey(row: Record<string, unknown>): string | null {
    const { literals, columns } = this.#template!;
    let key = literals[0];
    let bytes: Buffer[] | null = null;
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i];
      const part = text(row[c]);
      if (part === undefined) return columnProblem('key template', c, row[c]);
      if (part.length === 0) return `key template column '${c}' is empty`;
      if (typeof part === 'string') {
        if (!part.isWellFormed()) return loneSurrogate('key template', c);
        key += part + literals[i + 1];
      } else {
        // A binary column: the key is bytes from here on.
        bytes ??= [];
        bytes.push(Buffer.from(key, 'utf8'), part);
        key = literals[i + 1];
      }
    }
    if (bytes === null) this.key = key;
    else {
      bytes.push(Buffer.from(key, 'utf8'));
      this.key = Buffer.concat(bytes);
    }
    return null;
  }

  /** Reads the row's TTL; returns why it cannot be used. */
  #ttl(row: Record<string, unknown>, column: string, kind: 'seconds' | 'timestamp'): string | null {
    const v = row[column];
    if (kind === 'seconds') {
      const secs = ttlSeconds(v);
      if (Number.isNaN(secs))
        return `ttl column '${column}' ${v === null || v === undefined ? `is ${v === null ? 'null' : 'missing'}` : 'is not a whole number of seconds'}`;
      if (secs < 0)
        return `ttl column '${column}' is not positive: a key cannot live for ${String(v)} seconds`;
      this.ttl = secs;
      return null;
    }
    const at = expiryTime(v);
    if (Number.isNaN(at))
      return `ttl column '${column}' ${v === null || v === undefined ? `is ${v === null ? 'null' : 'missing'}` : 'is not a time (a Date, ISO-8601 text or milliseconds since 1970)'}`;
    if (at <= Date.now()) return `ttl column '${column}' is in the past: the key would expire at once`;
    if (at === Number.POSITIVE_INFINITY) {
      return `ttl column '${column}' is too far in the future for Redis (after ${new Date(8.64e15).getUTCFullYear()}, or past ${MAX_EXPIRY_MS} ms)`;
    }
    this.ttl = at;
    return null;
  }

  /** One field per column that is not part of the key; returns why not. */
  #perColumn(row: Record<string, unknown>, deleteNulls: boolean): string | null {
    const pairs: (string | Buffer)[] = [];
    let deletes: string[] | null = null;
    const names = this.#fieldNames ?? Object.keys(row);
    for (const name of names) {
      if (this.#fieldNames === null && this.#keyParts.has(name)) continue;
      const v = row[name];
      if (v === null || v === undefined) {
        if (deleteNulls) (deletes ??= []).push(name);
        continue;
      }
      const t = text(v);
      if (t === undefined) return columnProblem('value', name, v);
      if (typeof t === 'string' && !t.isWellFormed()) return loneSurrogate('value', name);
      if (tooLarge(t)) return VALUE_TOO_LARGE;
      pairs.push(name, t);
    }
    this.pairs = pairs;
    this.deletes = deletes;
    this.value = '';
    return null;
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

/** A column value as the number argument `kind` asks for. */
function numeric(v: unknown, kind: ValueKind): string | undefined {
  return kind === 'integer' ? integerArg(v) : numberArg(v);
}

function numberProblem(role: string, column: string, kind: ValueKind, value: unknown): string {
  if (value === undefined) return `${role} column '${column}' is missing`;
  if (value === null) return `${role} column '${column}' is null`;
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return `${role} column '${column}' is ${Number.isNaN(value) ? 'NaN' : 'not finite'}`;
  }
  const want = kind === 'integer' ? 'an integer Redis can hold (signed 64-bit)' : 'a finite number';
  return `${role} column '${column}' holds ${typeof value === 'string' ? 'text' : `a ${typeof value}`} that is not ${want}`;
}

function valueType(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : 'non-finite number';
  if (v instanceof Date) return 'invalid Date';
  return typeof v;
}
