import type { Column } from '../schema/sql-type.js';
import { dateText, hidesCollection, holdsCollection, isTooLong, numberText } from '../schema/text.js';

/**
 * Key of a row's wire JSON text: the `JSON.stringify` text the row was parsed from (a worker's
 * ingest batches). A symbol key is invisible to JSON.stringify, `for…in` and Object.keys.
 */
export const WIRE_JSON: unique symbol = Symbol('laminar.wireJson');

/**
 * Attaches `text` to `row` as its wire JSON text: `row` must be what `JSON.parse(text)` returned
 * and `text` what `JSON.stringify` returns for it. Non-enumerable, so a copy of the row
 * (`{ ...row }`, Object.assign) does not carry it.
 */
export function attachWireJson(row: object, text: string): void {
  Object.defineProperty(row, WIRE_JSON, { value: text });
}

/**
 * JSON format: the whole row as one JSON object.
 *
 * - With a schema: the declared columns in declared order (extra row fields are not written); a
 *   missing column is written as null.
 * - Without a schema: the row's own enumerable fields in their order.
 * - Values: strings and booleans as JSON; numbers as JSON numbers (NaN/±Infinity cannot be
 *   encoded); bigint as a number when within ±(2^53−1), else as a string; Date as an ISO-8601 UTC
 *   string; Buffer/Uint8Array as base64; nested objects/arrays as JSON (a bigint inside them, a
 *   cycle, or a Map or Set anywhere — JSON.stringify would write it as `{}` — cannot be encoded).
 *   Strings are escaped as JSON.stringify does: a lone surrogate becomes `\udXXX`, never U+FFFD.
 *
 * Returns the JSON text, or a reason string prefixed by `!` when a value cannot be encoded (no
 * exception on the hot path).
 */
export function jsonRow(row: Record<string, unknown>, columns: readonly Column[] | undefined): string {
  // Native JSON.stringify builds one flat string; the concatenations below build a rope that is
  // flattened again when written, which costs the sink dearly in garbage collection.
  // It is used only where its output is byte-identical to ours — and so is a row's wire JSON text
  // (its JSON.stringify text, kept when the worker parsed the row), which saves encoding it again.
  if (nativeIsExact(row, columns)) {
    const wire = (row as { [WIRE_JSON]?: unknown })[WIRE_JSON];
    if (typeof wire === 'string') return wire;
    try {
      return JSON.stringify(row);
    } catch {
      // Longer than a string can be: the column by column path below says where.
    }
  }
  at = '';
  try {
    return columns !== undefined ? bySchema(row, columns) : byOwnFields(row);
  } catch (err) {
    // Anything else (a getter that throws) is for the encoder to report.
    if (!isTooLong(err)) throw err;
    return at === ''
      ? `!the row's JSON text would be longer than ${LONGEST}`
      : `!column '${at}' is too long: its JSON text would be longer than ${LONGEST}`;
  }
}

const LONGEST = 'the longest JavaScript string';

/** The column being encoded by the slow paths, for the reason when it is too long ('' between). */
let at = '';

function bySchema(row: Record<string, unknown>, columns: readonly Column[]): string {
  // `{"a":`, `,"b":`, … computed once per schema: quoting the names per row was a large share
  // of the encoding time (docs/benchmarks.md).
  const heads = columnHeads(columns);
  let out = '';
  for (let i = 0; i < columns.length; i++) {
    const name = columns[i].name;
    at = name;
    const v = jsonValue(row[name]);
    if (v === undefined) return `!${jsonProblem(name, row[name])}`;
    at = '';
    out += heads[i] + v;
  }
  return columns.length === 0 ? '{}' : out + '}';
}

function byOwnFields(row: Record<string, unknown>): string {
  let out = '{';
  let first = true;
  for (const name in row) {
    if (!Object.hasOwn(row, name)) continue;
    at = name;
    const v = jsonValue(row[name]);
    if (v === undefined) return `!${jsonProblem(name, row[name])}`;
    at = '';
    out += (first ? '' : ',') + JSON.stringify(name) + ':' + v;
    first = false;
  }
  return out + '}';
}

/**
 * True when `JSON.stringify(row)` gives exactly our encoding: a plain object whose own keys are
 * the schema's columns in schema order (any keys without a schema), holding only strings,
 * booleans, null, and numbers that print without exponent (0 or 1e-6 ≤ |n| < 1e21).
 */
function nativeIsExact(row: Record<string, unknown>, columns: readonly Column[] | undefined): boolean {
  const proto = Object.getPrototypeOf(row);
  if (proto !== Object.prototype && proto !== null) return false;
  let i = 0;
  for (const name in row) {
    if (columns !== undefined && (i >= columns.length || columns[i].name !== name)) return false;
    const v = row[name];
    switch (typeof v) {
      case 'string':
      case 'boolean':
        break;
      case 'number':
        if (!((v >= 1e-6 && v < 1e21) || (v <= -1e-6 && v > -1e21) || v === 0)) return false;
        break;
      case 'object':
        if (v !== null) return false;
        break;
      default:
        return false;
    }
    i++;
  }
  return columns === undefined || i === columns.length;
}

/** Per schema (tables keep theirs for life): the JSON text before each column's value. */
const headsOf = new WeakMap<readonly Column[], string[]>();

function columnHeads(columns: readonly Column[]): string[] {
  let heads = headsOf.get(columns);
  if (heads === undefined || heads.length !== columns.length) {
    heads = columns.map((c, i) => (i === 0 ? '{' : ',') + JSON.stringify(c.name) + ':');
    headsOf.set(columns, heads);
  }
  return heads;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A JSON string literal. Printable ASCII without `"` or `\\` needs no escaping and is quoted
 * directly (faster than calling JSON.stringify on short strings); anything else goes
 * through JSON.stringify.
 */
function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || c > 126) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/**
 * JSON text of a nested value, or undefined when it has none (a cycle, a bigint, a `toJSON` that
 * throws). Throws when it is longer than a string can be: a reason of its own (see jsonRow).
 */
function nestedJson(v: object): string | undefined {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch (err) {
    if (isTooLong(err)) throw err;
    return undefined;
  }
  return s !== undefined && hidesCollection(s, v) ? undefined : s;
}

/** Why column `name`, whose value has no JSON text, cannot be encoded. */
function jsonProblem(name: string, v: unknown): string {
  if (typeof v === 'object' && v !== null && holdsCollection(v)) {
    return `column '${name}' holds a Map or Set, which JSON would write as {}: convert it first (Object.fromEntries, Array.from)`;
  }
  return `column '${name}' cannot be encoded as JSON`;
}

/** JSON text of one column value, or undefined when it cannot be encoded. */
function jsonValue(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return quote(v);
    case 'number':
      return Number.isFinite(v) ? numberText(v) : undefined;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v <= MAX_SAFE && v >= -MAX_SAFE ? v.toString() : `"${v}"`;
    case 'undefined':
      return 'null';
    case 'object': {
      if (v === null) return 'null';
      if (v instanceof Date) {
        const t = dateText(v);
        return t === undefined ? undefined : `"${t}"`;
      }
      if (v instanceof Uint8Array)
        return `"${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}"`;
      return nestedJson(v);
    }
    default:
      return undefined;
  }
}
