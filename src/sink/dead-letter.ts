import { constants } from 'node:buffer';
import { RefusedRow } from './encoded-row.js';

/**
 * A dead-letter entry: JSON `{ table, reason, at, row }`, the row as {@link deadLetterRow} gives
 * it (a worker's {@link RefusedRow} carries that text from its producer, which had the row).
 */
export function deadLetterEntry(table: string, reason: string, row: unknown): string {
  const rowJson = row instanceof RefusedRow ? row.row || 'null' : deadLetterRow(row);
  const head = `{"table":${JSON.stringify(table)},"reason":${JSON.stringify(reason)},"at":"${new Date().toISOString()}"`;
  try {
    return `${head},"row":${rowJson}}`;
  } catch {
    // The row's text fits in a string, the entry around it does not.
    return `${head},"row":${TOO_LONG}}`;
  }
}

/** What a dead letter holds in place of a value whose JSON text no string could hold. */
const TOO_LONG = '"[too long to keep]"';

/**
 * A row's JSON text for its dead-letter entry, kept as faithfully as JSON allows, whatever it
 * holds: bigint as string, bytes as base64, non-finite numbers and invalid dates as strings,
 * a Map as its entries and a Set as its values (arrays), cycles as "[Circular]" — a bad row must
 * never fail its own dead letter. A column that
 * JSON.stringify throws on (nesting too deep for the stack, a `toJSON` that throws) becomes
 * `"[not encodable: <error name>]"`; the other columns are kept.
 */
export function deadLetterRow(row: unknown): string {
  try {
    return faithfulJson(row) ?? 'null';
  } catch {
    // Column by column below, so one such column does not cost the entry all the others.
  }
  if (row === null || typeof row !== 'object') return 'null';
  let out = '';
  try {
    for (const name of Object.keys(row)) {
      let v: string;
      try {
        v = faithfulJson((row as Record<string, unknown>)[name]) ?? 'null';
      } catch (err) {
        v = JSON.stringify(`[not encodable: ${errorName(err)}]`);
      }
      // Columns that fit alone may not fit together: the one that overflows is left out.
      if (out.length + v.length > constants.MAX_STRING_LENGTH - 1024) v = TOO_LONG;
      out += `${out === '' ? '{' : ','}${JSON.stringify(name)}:${v}`;
    }
  } catch {
    return 'null'; // not even its keys can be listed (a throwing Proxy)
  }
  return out === '' ? '{}' : `${out}}`;
}

/** JSON text of `value` with {@link deadLetterRow}'s replacements; throws where JSON.stringify does. */
function faithfulJson(row: unknown): string | undefined {
  const seen = new WeakSet<object>();
  return JSON.stringify(row, function (this: unknown, _key, value: unknown) {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
    if (value === undefined) return null;
    if (typeof value === 'function' || typeof value === 'symbol') return String(value);
    if (value !== null && typeof value === 'object') {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
      // What they hold, which JSON.stringify would drop for {}.
      if (value instanceof Map) return [...value];
      if (value instanceof Set) return [...value];
      if (
        (value as { type?: string }).type === 'Buffer' &&
        Array.isArray((value as { data?: unknown }).data)
      ) {
        return Buffer.from((value as { data: number[] }).data).toString('base64');
      }
    }
    return value;
  });
}

/** An error's name for a dead letter (never its message, which may quote the row). */
function errorName(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && /^\w{1,64}$/.test(name) ? name : 'Error';
}
