import '../resp/buffer-internals.js';
import type { Column } from '../schema/sql-type.js';
import { dateText, holdsCollection, numberText } from '../schema/text.js';
import { ISO_DATE_BYTES, writeIsoDate } from './iso-date.js';
import { WIRE_JSON } from './json-row.js';

/**
 * A row's JSON text, exactly what {@link jsonRow} returns for it, written as UTF-8 into one reused
 * buffer: no copy of the row, no ISO string per Date, no string of the whole row, so a sink
 * encoding rows as they come leaves the garbage collector little but nested values' texts. Rows
 * this path leaves to jsonRow (it returns false): those with a value it cannot write, whose reason
 * jsonRow gives, or that jsonRow writes another way (a worker's row with its wire text, a number
 * in exponent form, a value with a `toJSON`), and rows past {@link MAX_BYTES}.
 *
 * One per encoder: the bytes are good until its next write.
 */
export class JsonRowBytes {
  buf: Buffer = Buffer.allocUnsafe(4096);
  /** Bytes of the last row written. */
  length = 0;
  #pos = 0;
  /** Views of {@link buf} by length (see {@link bytes}); emptied when it grows. */
  #views: Uint8Array[] = [];

  /**
   * The last row's bytes, as a view of {@link buf} kept per length: copying from a view made per
   * row (Buffer#copy makes one) cost more than the copy.
   */
  bytes(): Uint8Array {
    const n = this.length;
    if (n >= MAX_KEPT_VIEW) return new Uint8Array(this.buf.buffer, this.buf.byteOffset, n);
    let v = this.#views[n];
    if (v === undefined) {
      v = new Uint8Array(this.buf.buffer, this.buf.byteOffset, n);
      this.#views[n] = v;
    }
    return v;
  }

  /** Writes `row`'s JSON text (see {@link jsonRow}); false, the bytes unspecified, when it leaves the row. */
  write(row: Record<string, unknown>, columns: readonly Column[] | undefined): boolean {
    this.#pos = 0;
    try {
      if (typeof (row as { [WIRE_JSON]?: unknown })[WIRE_JSON] === 'string') return false;
      if (!(columns === undefined ? this.#ownFields(row) : this.#bySchema(row, columns))) return false;
    } catch {
      // A getter or toJSON that throws, a nested value JSON.stringify refuses, past MAX_BYTES:
      // jsonRow gives the reason (or throws for the encoder to report).
      return false;
    }
    this.length = this.#pos;
    return true;
  }

  #bySchema(row: Record<string, unknown>, columns: readonly Column[]): boolean {
    const heads = headsOf(columns);
    const n = columns.length;
    if (n === 0) {
      this.#ascii('{}');
      return true;
    }
    for (let i = 0; i < n; i++) {
      const head = heads[i];
      this.#ensure(head.length);
      const b = this.buf;
      const p = this.#pos;
      for (let k = 0; k < head.length; k++) b[p + k] = head[k];
      this.#pos = p + head.length;
      if (!this.#value(row[columns[i].name])) return false;
    }
    this.#byte(125); // }
    return true;
  }

  #ownFields(row: Record<string, unknown>): boolean {
    let first = true;
    for (const name in row) {
      if (!Object.hasOwn(row, name)) continue;
      this.#byte(first ? 123 : 44); // { ,
      first = false;
      this.#string(name);
      this.#byte(58); // :
      if (!this.#value(row[name])) return false;
    }
    if (first) this.#byte(123);
    this.#byte(125);
    return true;
  }

  /** One column's value, as jsonRow writes it; false when this path leaves it to jsonRow. */
  #value(v: unknown): boolean {
    switch (typeof v) {
      case 'string':
        this.#string(v);
        return true;
      case 'number':
        return this.#number(v);
      case 'boolean':
        this.#ascii(v ? 'true' : 'false');
        return true;
      case 'bigint':
        if (v <= MAX_SAFE && v >= -MAX_SAFE) this.#ascii(v.toString());
        else this.#ascii(`"${v}"`);
        return true;
      case 'undefined':
        this.#ascii('null');
        return true;
      case 'object':
        if (v === null) {
          this.#ascii('null');
          return true;
        }
        if (v instanceof Date) return this.#date(v);
        if (v instanceof Uint8Array) {
          this.#ascii(`"${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}"`);
          return true;
        }
        return this.#nested(v);
      default:
        return false;
    }
  }

  #number(v: number): boolean {
    if (this.#integer(v)) return true;
    const t = numberText(v);
    if (t === undefined) return false;
    this.#ascii(t);
    return true;
  }

  /** A safe integer's digits in place (-0 written 0, as JSON.stringify does); false for other numbers. */
  #integer(v: number): boolean {
    if (!(v <= MAX_SAFE_NUMBER && v >= -MAX_SAFE_NUMBER && Math.floor(v) === v)) return false;
    this.#ensure(17);
    const b = this.buf;
    let p = this.#pos;
    if (v < 0) {
      b[p++] = 45; // -
      v = -v;
    }
    let digits = 1;
    if (v < 2_147_483_648) {
      // Small integers (ids, counts) in int32 arithmetic: no floating-point division per digit.
      const n = v | 0;
      for (let x = n; x >= 10; x = (x / 10) | 0) digits++;
      this.#pos = writeInt32Digits(b, p, n, digits);
      return true;
    }
    // Past int32 (timestamps in ms, say): the digits above the last eight, then those eight,
    // each part in int32 arithmetic. A safe integer's upper part stays below 2^31.
    let hi = Math.floor(v / 1e8);
    let lo = v - hi * 1e8;
    if (lo < 0) {
      // v / 1e8 rounded up to the next integer.
      hi--;
      lo += 1e8;
    }
    for (let x = hi; x >= 10; x = (x / 10) | 0) digits++;
    p = writeInt32Digits(b, p, hi | 0, digits);
    this.#pos = writeInt32Digits(b, p, lo | 0, 8);
    return true;
  }

  #date(d: Date): boolean {
    this.#ensure(ISO_DATE_BYTES + 2);
    const b = this.buf;
    const p = this.#pos;
    b[p] = 34; // "
    const end = writeIsoDate(b, p + 1, d.getTime());
    if (end >= 0) {
      b[end] = 34;
      this.#pos = end + 1;
      return true;
    }
    // Another year's form, or no date at all (jsonRow's reason).
    const t = dateText(d);
    if (t === undefined) return false;
    this.#ascii(`"${t}"`);
    return true;
  }

  /**
   * A nested object or array: its own JSON.stringify text, as jsonRow writes it; left to jsonRow
   * when that text is not what jsonRow writes (a `toJSON`, called with another key there) or when
   * it hides a Map or Set. Plain objects and arrays of JSON values are walked here, writing the
   * bytes JSON.stringify's text has; anything else in them goes to JSON.stringify whole.
   */
  #nested(v: object): boolean {
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
    const at = this.#pos;
    if (this.#walk(v, 0)) return true;
    this.#pos = at;
    const s = JSON.stringify(v) as string | undefined;
    if (typeof s !== 'string') return false;
    if (s.includes('{}') && holdsCollection(v)) return false;
    this.#utf8(s);
    return true;
  }

  /**
   * An array, or an object of prototype Object.prototype or null, without a `toJSON`, written as
   * JSON.stringify writes it; false, part written, at anything else (then JSON.stringify writes
   * the whole value: it says what a Map, a class instance, a cycle is).
   */
  #walk(v: object, depth: number): boolean {
    if (depth === MAX_WALK_DEPTH) return false;
    if (Array.isArray(v)) {
      this.#byte(91); // [
      for (let i = 0; i < v.length; i++) {
        if (i > 0) this.#byte(44);
        const x: unknown = v[i];
        const t = typeof x;
        // What an object leaves out, an array writes as null (a hole too).
        if (t === 'undefined' || t === 'function' || t === 'symbol') this.#ascii('null');
        else if (!this.#item(x, depth)) return false;
      }
      this.#byte(93); // ]
      return true;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return false;
    const o = v as Record<string, unknown>;
    this.#byte(123); // {
    let first = true;
    for (const name in o) {
      if (!Object.hasOwn(o, name)) continue;
      const x = o[name];
      const t = typeof x;
      if (t === 'undefined' || t === 'function' || t === 'symbol') continue;
      if (!first) this.#byte(44);
      first = false;
      this.#string(name);
      this.#byte(58); // :
      if (!this.#item(x, depth)) return false;
    }
    this.#byte(125); // }
    return true;
  }

  /** A value inside a nested one, as JSON.stringify writes it there; false to leave the whole to it. */
  #item(x: unknown, depth: number): boolean {
    switch (typeof x) {
      case 'string':
        this.#string(x);
        return true;
      case 'number':
        // Inside a nested value numbers are JSON.stringify's: exponent form kept, NaN and ±∞ null.
        if (!Number.isFinite(x)) this.#ascii('null');
        else if (!this.#integer(x)) this.#ascii(String(x));
        return true;
      case 'boolean':
        this.#ascii(x ? 'true' : 'false');
        return true;
      case 'object': {
        if (x === null) {
          this.#ascii('null');
          return true;
        }
        const toJSON = (x as { toJSON?: unknown }).toJSON;
        if (toJSON === undefined) return this.#walk(x, depth + 1);
        return toJSON === DATE_TO_JSON && this.#nestedDate(x);
      }
      default:
        // A bigint (JSON.stringify throws, or calls a BigInt.prototype.toJSON).
        return false;
    }
  }

  /**
   * A Date inside a nested value, as its toJSON writes it: null when invalid, else its ISO text;
   * false when the Date's own methods are not Date.prototype's (toJSON calls them).
   */
  #nestedDate(x: object): boolean {
    if (!(x instanceof Date)) return false;
    const d = x as Date & { [Symbol.toPrimitive]: unknown };
    if (
      d.toISOString !== DATE_TO_ISO ||
      d.valueOf !== DATE_VALUE_OF ||
      d[Symbol.toPrimitive] !== DATE_TO_PRIMITIVE
    ) {
      return false;
    }
    if (Number.isNaN(d.getTime())) {
      this.#ascii('null');
      return true;
    }
    return this.#date(d);
  }

  /**
   * A JSON string literal, as JSON.stringify writes it: printable ASCII without `"` and `\` byte by
   * byte; other text as UTF-8 when it needs no escape, else JSON.stringify's text of it.
   */
  #string(s: string): void {
    const len = s.length;
    this.#ensure(len + 2);
    const b = this.buf;
    const p = this.#pos;
    b[p] = 34;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c < 32 || c === 34 || c === 92 || c > 126) {
        this.#otherString(s);
        return;
      }
      b[p + 1 + i] = c;
    }
    b[p + 1 + len] = 34;
    this.#pos = p + len + 2;
  }

  #otherString(s: string): void {
    if (needsEscape(s)) {
      this.#utf8(JSON.stringify(s));
      return;
    }
    this.#ensure(s.length * 3 + 2);
    const b = this.buf;
    const p = this.#pos;
    b[p] = 34;
    const n = b.utf8Write(s, p + 1);
    b[p + 1 + n] = 34;
    this.#pos = p + n + 2;
  }

  /** Text of characters below 128 only. */
  #ascii(s: string): void {
    const len = s.length;
    this.#ensure(len);
    const b = this.buf;
    const p = this.#pos;
    for (let i = 0; i < len; i++) b[p + i] = s.charCodeAt(i);
    this.#pos = p + len;
  }

  #utf8(s: string): void {
    this.#ensure(s.length * 3);
    this.#pos += this.buf.utf8Write(s, this.#pos);
  }

  #byte(c: number): void {
    this.#ensure(1);
    this.buf[this.#pos++] = c;
  }

  #ensure(bytes: number): void {
    const need = this.#pos + bytes;
    if (need <= this.buf.length) return;
    if (need > MAX_BYTES) throw TOO_LONG;
    const next = Buffer.allocUnsafe(Math.min(MAX_BYTES, Math.max(need, this.buf.length * 2)));
    this.buf.copy(next, 0, 0, this.#pos);
    this.buf = next;
    this.#views = [];
  }
}

/**
 * Rows whose JSON text may be longer are left to jsonRow: the buffer is kept for the encoder's
 * life, and a row this large costs its bytes whichever way.
 */
const MAX_BYTES = 1024 * 1024;
/** Rows of this many bytes or more get a view of their own (see JsonRowBytes.bytes). */
const MAX_KEPT_VIEW = 16 * 1024;
const TOO_LONG = new Error('the row is left to jsonRow');

/** Nesting walked by {@link JsonRowBytes} at most; deeper values (or a cycle) go to JSON.stringify. */
const MAX_WALK_DEPTH = 16;

const DATE_TO_JSON = Date.prototype.toJSON;
const DATE_TO_ISO = Date.prototype.toISOString;
const DATE_VALUE_OF = Date.prototype.valueOf;
const DATE_TO_PRIMITIVE = (Date.prototype as unknown as Record<symbol, unknown>)[Symbol.toPrimitive];

/** Writes the non-negative int32 `n` as exactly `digits` digits (zero-padded) at `p`; returns the end. */
function writeInt32Digits(b: Buffer, p: number, n: number, digits: number): number {
  for (let i = p + digits - 1; i >= p; i--) {
    const q = (n / 10) | 0;
    b[i] = 48 + n - q * 10;
    n = q;
  }
  return p + digits;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_SAFE_NUMBER = Number.MAX_SAFE_INTEGER;

/** Whether JSON.stringify escapes something in `s`: a control character, `"`, `\`, a lone surrogate. */
function needsEscape(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92) return true;
  }
  return !s.isWellFormed();
}

/** `{"a":`, `,"b":`, … per schema (tables keep theirs for life). */
const heads = new WeakMap<readonly Column[], { count: number; bytes: Buffer[] }>();

function headsOf(columns: readonly Column[]): Buffer[] {
  let h = heads.get(columns);
  if (h === undefined || h.count !== columns.length) {
    h = {
      count: columns.length,
      bytes: columns.map((c, i) => Buffer.from(`${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`, 'utf8')),
    };
    heads.set(columns, h);
  }
  return h.bytes;
}
