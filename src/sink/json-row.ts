import type { Column } from '../schema/sql-type.js';
import { dateText, hidesCollection, holdsCollection, isTooLong, numberText } from '../schema/text.js';
import { isoText } from './iso-date.js';

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
  // One native JSON.stringify builds one flat string; the column by column concatenations below
  // build a rope that is flattened again when written, which costs the sink dearly in garbage
  // collection. They remain for what the native text cannot say exactly, and for the reasons.
  textPath = OTHER;
  const native = nativeJson(row, columns);
  if (native !== undefined) return native;
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

/**
 * The row's JSON text from one native JSON.stringify, or undefined when only the column by column
 * path gets it exactly right (or gives the reason it cannot be encoded).
 *
 * A nested value's text is its own JSON.stringify text on both paths, so the two part only at the
 * top level: on values JSON.stringify writes otherwise (Date, bigint, bytes, undefined, numbers in
 * exponent form), on the fields written (the schema's, in its order), and on a toJSON. A row that
 * differs there goes through a shallow copy holding, field by field, what JSON.stringify must see
 * to write our text (an ISO string for a Date, a number for a small bigint, null for a missing
 * column), and back to the column by column path when no such copy exists.
 */
function nativeJson(
  row: Record<string, unknown>,
  columns: readonly Column[] | undefined,
): string | undefined {
  let target: object | undefined;
  let s: string;
  try {
    const info = columns === undefined ? undefined : schemaOf(columns);
    // A schema whose last row needed a copy (a Date column, say) most likely needs one again:
    // the as-is scan would only find that out once more. SAME: every value as it was, so the
    // row may well be written as it is (its wire text, say).
    const first = info?.copyFirst === true ? copyBySchema(row, columns!, info, false) : SAME;
    if (first === undefined) return undefined;
    if (first !== SAME) target = first;
    else if (asIs(row, columns)) {
      if (info !== undefined) info.copyFirst = false;
      // A row's wire JSON text (its JSON.stringify text, kept when the worker parsed the row)
      // saves encoding it again.
      const wire = (row as { [WIRE_JSON]?: unknown })[WIRE_JSON];
      if (typeof wire === 'string') {
        textPath = AS_IS;
        return wire;
      }
      target = row;
    } else if (info !== undefined) {
      target = copyBySchema(row, columns!, info, true);
      if (target === undefined) return undefined;
      info.copyFirst = true;
    } else {
      target = copyOwnFields(row);
      if (target === undefined) return undefined;
    }
    s = JSON.stringify(target);
  } catch {
    // A cycle, a bigint inside a nested value, a throwing toJSON or getter, a text longer than a
    // string can be: the column by column path says which, and where.
    return undefined;
  }
  // JSON.stringify writes a Map or Set as {}: worth a look only when the text holds one.
  if (s.includes('{}') && holdsCollection(target)) return undefined;
  if (target === row) textPath = AS_IS;
  else {
    textPath = COPY;
    lastRow = row;
    lastColumns = columns;
  }
  return s;
}

/** How the last {@link jsonRow} call made its text (module variables: the hot path allocates nothing for them). */
const OTHER = 0;
const AS_IS = 1;
const COPY = 2;
let textPath = OTHER;
/** The last row that took the copy path, and its schema: kept for {@link lastRowTextIsStringify}. */
let lastRow: Record<string, unknown> | null = null;
let lastColumns: readonly Column[] | undefined;

/**
 * Whether the text the last {@link jsonRow} call returned is `JSON.stringify(row)` itself: a
 * producer sending the row as JSON reuses it instead of stringifying the row again. Asked right
 * after that call; a row that took the copy path is looked at again only then (the sink never
 * asks).
 */
export function lastRowTextIsStringify(): boolean {
  if (textPath === COPY) {
    textPath = copyIsStringify(lastRow!, lastColumns) ? AS_IS : OTHER;
    lastRow = null;
  }
  return textPath === AS_IS;
}

const DATE_TO_JSON = Date.prototype.toJSON;

/**
 * Whether JSON.stringify(row) writes what the copy path wrote: a plain row without a toJSON whose
 * own fields are the copy's (the schema's columns, in order), where the only values the copy
 * changed are Dates, which JSON.stringify writes as the same ISO text through their toJSON.
 */
function copyIsStringify(row: Record<string, unknown>, columns: readonly Column[] | undefined): boolean {
  const proto = Object.getPrototypeOf(row);
  if ((proto !== Object.prototype && proto !== null) || typeof row.toJSON === 'function') return false;
  let i = 0;
  for (const name in row) {
    if (!Object.hasOwn(row, name)) return false;
    if (columns !== undefined && (i >= columns.length || columns[i].name !== name)) return false;
    const v = row[name];
    switch (typeof v) {
      case 'string':
      case 'boolean':
      case 'number':
        break;
      case 'object':
        if (v instanceof Date && (v as { toJSON: unknown }).toJSON !== DATE_TO_JSON) return false;
        if (v instanceof Uint8Array) return false;
        break;
      default:
        // bigint (JSON.stringify throws), undefined (it leaves the field out), and the rest.
        return false;
    }
    i++;
  }
  return columns === undefined || i === columns.length;
}

/**
 * True when `JSON.stringify(row)` gives exactly our encoding: a plain object without a toJSON,
 * whose own keys are the schema's columns in schema order (any keys without a schema), holding
 * only strings, booleans, null, numbers that print without exponent (0 or 1e-6 ≤ |n| < 1e21), and
 * nested values (see {@link nestedAsIs}).
 */
function asIs(row: Record<string, unknown>, columns: readonly Column[] | undefined): boolean {
  const proto = Object.getPrototypeOf(row);
  if (proto !== Object.prototype && proto !== null) return false;
  // Non-enumerable, it would not show below, yet JSON.stringify would write its result instead.
  if (typeof row.toJSON === 'function') return false;
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
        if (v !== null && !nestedAsIs(v)) return false;
        break;
      default:
        return false;
    }
    i++;
  }
  return columns === undefined || i === columns.length;
}

/**
 * Whether a top-level object value is written inside the row's JSON.stringify text as its own
 * JSON.stringify text: not a Date or bytes (written our way), and without a toJSON, which would be
 * called with the column name as its key instead of ''.
 */
function nestedAsIs(v: object): boolean {
  return (
    typeof (v as { toJSON?: unknown }).toJSON !== 'function' &&
    !(v instanceof Date) &&
    !(v instanceof Uint8Array)
  );
}

/**
 * What JSON.stringify must see in place of a top-level value to write exactly our encoding of it,
 * or undefined when nothing does (a number in exponent form, a value that cannot be encoded, a
 * toJSON: see {@link nestedAsIs}).
 */
function flatValue(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return (v >= 1e-6 && v < 1e21) || (v <= -1e-6 && v > -1e21) || v === 0 ? v : undefined;
    case 'bigint':
      // Within ±(2^53−1) a number prints the same digits.
      return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v.toString();
    case 'undefined':
      return null;
    case 'object':
      if (v === null) return null;
      if (v instanceof Date) return isoText(v);
      if (v instanceof Uint8Array)
        return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
      return typeof (v as { toJSON?: unknown }).toJSON === 'function' ? undefined : v;
    default:
      return undefined;
  }
}

/** What {@link copyBySchema} returns when no value needed changing. */
const SAME: object = Object.freeze({});

/**
 * The row's declared columns, in declared order, as JSON.stringify must see them (see flatValue);
 * {@link SAME} when every value is the row's own and `always` is false (no copy made); undefined
 * when no copy does.
 */
function copyBySchema(
  row: Record<string, unknown>,
  columns: readonly Column[],
  info: SchemaInfo,
  always: boolean,
): object | undefined {
  if (!info.copyable) return undefined;
  const n = columns.length;
  // One array per row rather than a shared one: a getter or toJSON read here may encode a row too.
  const values = new Array<unknown>(n);
  let same = true;
  for (let i = 0; i < n; i++) {
    const v = row[columns[i].name];
    const f = flatValue(v);
    if (f === undefined) return undefined;
    if (f !== v) same = false;
    values[i] = f;
  }
  if (same && !always) return SAME;
  if (info.make !== null) return info.make(values);
  const copy: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) copy[columns[i].name] = values[i];
  return copy;
}

/** The row's own enumerable fields, in their order, as JSON.stringify must see them (see flatValue). */
function copyOwnFields(row: Record<string, unknown>): object | undefined {
  const copy: Record<string, unknown> = {};
  for (const name in row) {
    if (!Object.hasOwn(row, name)) continue;
    // Assigning it would set the copy's prototype instead of adding a field.
    if (name === '__proto__') return undefined;
    const v = flatValue(row[name]);
    if (v === undefined) return undefined;
    copy[name] = v;
  }
  return copy;
}

const LONGEST = 'the longest JavaScript string';

/** The column being encoded by the slow paths, for the reason when it is too long ('' between). */
let at = '';

function bySchema(row: Record<string, unknown>, columns: readonly Column[]): string {
  // `{"a":`, `,"b":`, … computed once per schema: quoting the names per row was a large share
  // of the encoding time (docs/benchmarks.md).
  const heads = schemaOf(columns).heads;
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

interface SchemaInfo {
  count: number;
  /** The JSON text before each column's value: `{"a":`, `,"b":`, … */
  heads: string[];
  /**
   * Whether a plain object given the columns in order keeps that order and those fields: no
   * integer-like name (those come first, ascending), `__proto__` (would set the prototype) or
   * name declared twice.
   */
  copyable: boolean;
  /**
   * Builds the copy from its values as one object literal (`{"a": v[0], "b": v[1], …}`, compiled
   * once per schema): a literal of fixed shape costs a fraction of adding the fields one by one
   * under names only known at run time. Null when not copyable, or where code cannot be compiled
   * (`--disallow-code-generation-from-strings`).
   */
  make: ((values: readonly unknown[]) => object) | null;
  /** The last row of this schema needed a copy: try the copy first (see nativeJson). */
  copyFirst: boolean;
}

/** Per schema (tables keep theirs for life). */
const schemas = new WeakMap<readonly Column[], SchemaInfo>();

function schemaOf(columns: readonly Column[]): SchemaInfo {
  let info = schemas.get(columns);
  if (info === undefined || info.count !== columns.length) {
    const names = columns.map((c) => c.name);
    const copyable =
      new Set(names).size === names.length && !names.some((n) => n === '__proto__' || /^\d+$/.test(n));
    info = {
      count: columns.length,
      heads: names.map((name, i) => (i === 0 ? '{' : ',') + JSON.stringify(name) + ':'),
      copyable,
      make: copyable ? literalMaker(names) : null,
      copyFirst: false,
    };
    schemas.set(columns, info);
  }
  return info;
}

/**
 * `(v) => ({"a": v[0], "b": v[1], …})` for the names, in order. Each name is a JSON string
 * literal in the source (a valid JavaScript string literal: nothing in it is code); the names are
 * copyable ones (no `__proto__`, which a literal would take for the prototype, no integer-like
 * names, which come first in any object).
 */
function literalMaker(names: readonly string[]): SchemaInfo['make'] {
  const fields = names.map((n, i) => `${JSON.stringify(n)}: v[${i}]`).join(', ');
  try {
    return new Function('v', `return { ${fields} };`) as SchemaInfo['make'];
  } catch {
    return null;
  }
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
