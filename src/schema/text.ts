/**
 * `text()`: the deterministic text form of a column value, used for keys and hash fields (and Raw
 * values of non-binary columns).
 *
 * | value        | text                                                           |
 * |--------------|----------------------------------------------------------------|
 * | string       | itself                                                         |
 * | number       | shortest round-trip decimal, never exponent notation (1e21 → "1000000000000000000000", 1.5e-7 → "0.00000015"); -0 → "0" |
 * | bigint       | exact decimal                                                  |
 * | boolean      | "true" / "false"                                               |
 * | Date         | ISO-8601 UTC with milliseconds ("2026-11-26T05:00:00.000Z")    |
 * | Buffer/bytes | the bytes themselves (binary keys)                             |
 * | object/array | JSON text                                                      |
 *
 * Returns undefined for values with no text form (null, undefined, NaN, ±Infinity, invalid dates,
 * functions, symbols, unserialisable JSON, a Map or Set anywhere in an object): the caller treats
 * the row as bad.
 */
export function text(value: unknown): string | Buffer | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return numberText(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return undefined;
      if (value instanceof Date) return dateText(value);
      if (Buffer.isBuffer(value)) return value;
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      return jsonText(value);
    }
    default:
      return undefined;
  }
}

/** ISO-8601 UTC, or undefined for an invalid date. */
export function dateText(d: Date): string | undefined {
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * JSON text of a nested value, or undefined when it cannot be serialised (cycles, bigint) or has
 * no faithful form (a Map or Set: see {@link holdsCollection}).
 */
export function jsonText(v: unknown): string | undefined {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    return undefined;
  }
  return s !== undefined && hidesCollection(s, v) ? undefined : s;
}

/**
 * Whether `json`, the JSON text of `v`, stands for a Map or Set somewhere in `v`. Looked for only
 * when the text holds an empty object, the form JSON.stringify gives them.
 */
export function hidesCollection(json: string, v: unknown): boolean {
  return json.includes('{}') && holdsCollection(v);
}

/**
 * Whether `v` is or holds (where JSON.stringify would write it) a Map, Set, WeakMap or WeakSet.
 * JSON.stringify writes each as `{}`, whatever it holds: two different ones would read the same.
 */
export function holdsCollection(v: unknown): boolean {
  let found = false;
  try {
    JSON.stringify(v, (_key, x: unknown) => {
      if (x instanceof Map || x instanceof Set || x instanceof WeakMap || x instanceof WeakSet) found = true;
      return x;
    });
  } catch {
    // Unserialisable for another reason: that reason is the caller's to give.
  }
  return found;
}

/**
 * Whether `err` says a string longer than V8's maximum was asked for (`RangeError: Invalid string
 * length`, or Node's `ERR_STRING_TOO_LONG` from Buffer decoding).
 */
export function isTooLong(err: unknown): boolean {
  return (
    (err instanceof RangeError && /string length/i.test(err.message)) ||
    (err as { code?: unknown } | null)?.code === 'ERR_STRING_TOO_LONG'
  );
}

/** Shortest round-trip decimal without exponent; undefined for NaN and infinities. */
export function numberText(n: number): string | undefined {
  // Number#toString writes no exponent for 1e-6 ≤ |n| < 1e21: the common case needs no scan.
  if ((n >= 1e-6 && n < 1e21) || (n <= -1e-6 && n > -1e21)) return String(n);
  if (!Number.isFinite(n)) return undefined;
  const s = String(n);
  const e = s.indexOf('e');
  if (e === -1) return s === '-0' ? '0' : s;
  // Expand "d.ddde±x" exactly from its digits; toFixed would add binary rounding noise.
  const negative = s.charCodeAt(0) === 45;
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot === -1 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const point = (dot === -1 ? mantissa.length : dot) + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${out}` : out;
}
