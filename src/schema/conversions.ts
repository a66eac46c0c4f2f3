/**
 * Conversions of non-null values to one SQL type, shared by `CAST` (cast.ts) and the coercion of
 * values from untyped sources (the per-type table, sql-type-table.ts). A conversion that fails
 * throws a {@link ConversionError}.
 */

import type { SqlType } from './sql-type.js';
import { jsonValueOf, normInt, valueText } from './value-forms.js';

/** A value that cannot be converted to the asked type. */
export class ConversionError extends Error {}

/** A conversion of a non-null value; throws {@link ConversionError}. */
export type Conversion = (v: unknown) => unknown;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;
const DECIMAL_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const TRUE_TEXT = new Set(['true', 't', 'yes', 'y', 'on', '1']);
const FALSE_TEXT = new Set(['false', 'f', 'no', 'n', 'off', '0']);
/** `YYYY-MM-DD[( |T)HH:MM[:SS[.fff...]]][Z|±HH[:MM]]`. */
const TIMESTAMP_TEXT =
  /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/i;

function fail(v: unknown, to: SqlType): never {
  const shown = typeof v === 'string' ? `'${v.length > 40 ? `${v.slice(0, 40)}...` : v}'` : valueText(v);
  throw new ConversionError(`cannot convert ${shown} to ${to}`);
}

/** Rounds half away from zero. */
function roundHalfAway(x: number): number {
  const r = Math.round(Math.abs(x));
  return x < 0 ? (r === 0 ? 0 : -r) : r;
}

/** INTEGER (32 bits) or BIGINT (64 bits): DOUBLE rounds half away from zero, TIMESTAMP is its epoch milliseconds. */
export function toInteger(v: unknown, to: 'INTEGER' | 'BIGINT'): number | bigint {
  let n: number | bigint;
  switch (typeof v) {
    case 'number':
      if (!Number.isFinite(v)) fail(v, to);
      n = Number.isInteger(v) ? v : roundHalfAway(v);
      if (!Number.isSafeInteger(n)) n = BigInt(n);
      break;
    case 'bigint':
      n = v;
      break;
    case 'boolean':
      n = v ? 1 : 0;
      break;
    case 'string':
      if (INTEGER_TEXT.test(v)) n = normInt(BigInt(v.trim()));
      else if (DECIMAL_TEXT.test(v)) return toInteger(Number(v), to);
      else fail(v, to);
      break;
    default:
      if (v instanceof Date) {
        n = v.getTime();
        if (Number.isNaN(n)) fail(v, to);
        break;
      }
      fail(v, to);
  }
  if (to === 'INTEGER') {
    if (typeof n === 'bigint' || n < INT32_MIN || n > INT32_MAX) {
      throw new ConversionError(`${valueText(n)} is out of range for INTEGER`);
    }
    return n;
  }
  if (typeof n === 'bigint' && (n < INT64_MIN || n > INT64_MAX)) {
    throw new ConversionError(`${n} is out of range for BIGINT`);
  }
  return n;
}

/** DOUBLE from numbers, bigints, booleans and decimal text. */
export function toDouble(v: unknown): number {
  switch (typeof v) {
    case 'number':
      return v;
    case 'bigint':
      return Number(v);
    case 'boolean':
      return v ? 1 : 0;
    case 'string':
      if (DECIMAL_TEXT.test(v)) return Number(v);
      return fail(v, 'DOUBLE');
    default:
      return fail(v, 'DOUBLE');
  }
}

/** Booleans from numbers (non-zero) and text (`true`/`t`/`yes`/`y`/`on`/`1` and their opposites). */
export function toBoolean(v: unknown): boolean {
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
    case 'bigint':
      return v !== 0n;
    case 'string': {
      const s = v.trim().toLowerCase();
      if (TRUE_TEXT.has(s)) return true;
      if (FALSE_TEXT.has(s)) return false;
      return fail(v, 'BOOLEAN');
    }
    default:
      return fail(v, 'BOOLEAN');
  }
}

/**
 * Timestamp text: ISO-8601 or SQL (`2024-05-01 12:00:00`); without a zone it is UTC. Numbers are
 * milliseconds since the Unix epoch.
 */
export function toTimestamp(v: unknown): Date {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) fail(v, 'TIMESTAMP');
    return v;
  }
  if (typeof v === 'number' || typeof v === 'bigint') {
    const d = new Date(Number(v));
    if (Number.isNaN(d.getTime())) fail(v, 'TIMESTAMP');
    return d;
  }
  if (typeof v !== 'string') return fail(v, 'TIMESTAMP');
  // A Date crosses JSON (ingest rows, JSON lines, lookup values) as its toISOString text: read
  // that exact form without the regex, which cost most of a nested row's projection or lookup
  // (docs/benchmarks.md, "Nested rows beyond the sink"). Same arithmetic and checks as below.
  if (v.length === 24) {
    const d = isoTimestamp(v);
    if (d !== undefined) return d;
  }
  const m = TIMESTAMP_TEXT.exec(v);
  if (m === null) return fail(v, 'TIMESTAMP');
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(t);
  if (
    Number.isNaN(t) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    return fail(v, 'TIMESTAMP');
  }
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
  }
  return new Date(t);
}

/** Value of the digits `s[from..to)`, or -1 when one is not an ASCII digit. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ` (Date's toISOString form, 24 characters) as {@link toTimestamp}
 * reads it; undefined for any other text, or one it refuses (the general path then says why).
 */
function isoTimestamp(v: string): Date | undefined {
  if (
    v.charCodeAt(4) !== 45 /* - */ ||
    v.charCodeAt(7) !== 45 ||
    v.charCodeAt(10) !== 84 /* T */ ||
    v.charCodeAt(13) !== 58 /* : */ ||
    v.charCodeAt(16) !== 58 ||
    v.charCodeAt(19) !== 46 /* . */ ||
    v.charCodeAt(23) !== 90 /* Z */
  ) {
    return undefined;
  }
  const y = digits(v, 0, 4);
  const mo = digits(v, 5, 7);
  const d = digits(v, 8, 10);
  const h = digits(v, 11, 13);
  const mi = digits(v, 14, 16);
  const s = digits(v, 17, 19);
  const ms = digits(v, 20, 23);
  if ((y | mo | d | h | mi | s | ms) < 0 || h > 23 || mi > 59 || s > 59) return undefined;
  const check = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  // Date.UTC rolls an impossible day over (Feb 30 → Mar 2): the text did not name a day.
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return check;
}

/** BYTEA: bytes as they are, text decoded as `text` says. */
export function toBytes(v: unknown, text: 'utf8' | 'base64'): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'string') return Buffer.from(v, text);
  return fail(v, 'BYTEA');
}

/** JSON from its text; other values become their JSON form. */
export function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return jsonValueOf(v);
  try {
    return JSON.parse(v);
  } catch {
    return fail(v, 'JSON');
  }
}

/** TEXT: strings as they are, other values as their text form. */
export function toText(v: unknown): unknown {
  return typeof v === 'string' ? v : valueText(v);
}
