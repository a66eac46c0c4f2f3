/**
 * SQL interval literals as option values: `interval '5' second`, `INTERVAL '1.5' minutes`,
 * `interval '1 minute 30 seconds'` — how Arroyo writes durations in `WITH (...)`
 * (`'lookup.cache.ttl' = interval '5' second`). The parser gives them as `Interval` nodes, not
 * literals; {@link intervalMillis} reads one into milliseconds, so options that take a duration
 * can accept it beside their own `'5s'` / `'5000'` spellings.
 */
/** A plain object node of the parser's tree (sql-tree.ts reads them too; it imports this file). */
function isNode(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The amount of an interval: `'5'` or `5`. */
function amountText(expr: unknown): string | undefined {
  const outer = isNode(expr) && isNode(expr.Value) ? expr.Value : undefined;
  const v = outer !== undefined && isNode(outer.value) ? outer.value : outer;
  if (!isNode(v)) return undefined;
  if (typeof v.SingleQuotedString === 'string') return v.SingleQuotedString;
  if (Array.isArray(v.Number) && typeof v.Number[0] === 'string') return v.Number[0];
  return undefined;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  millisecond: 1,
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** The units an interval option may name, for messages. */
export const INTERVAL_UNITS = 'millisecond(s), second(s), minute(s), hour(s), day(s)';

function unitMs(word: string): number | undefined {
  const w = word.toLowerCase();
  const singular = w.endsWith('s') ? w.slice(0, -1) : w;
  if (Object.hasOwn(UNIT_MS, w)) return UNIT_MS[w];
  return Object.hasOwn(UNIT_MS, singular) ? UNIT_MS[singular] : undefined;
}

/**
 * Milliseconds of an `Interval` node, rounded up; a string saying what is wrong with it (months,
 * a negative amount, `MINUTE TO SECOND` ranges, an unknown unit); undefined for other nodes.
 */
export function intervalMillis(expr: unknown): number | string | undefined {
  if (!isNode(expr) || !isNode(expr.Interval)) return undefined;
  const iv = expr.Interval;
  if (iv.last_field != null || iv.fractional_seconds_precision != null) {
    return `must be an interval of one unit, e.g. interval '90' second (ranges such as MINUTE TO SECOND are not read)`;
  }
  const text = amountText(iv.value);
  if (text === undefined) return `must be an interval of a quoted amount, e.g. interval '5' second`;
  let ms: number;
  if (iv.leading_field != null) {
    const unit = typeof iv.leading_field === 'string' ? unitMs(iv.leading_field) : undefined;
    if (unit === undefined)
      return `must be an interval in ${INTERVAL_UNITS} (got ${String(iv.leading_field).toLowerCase()})`;
    if (!/^\s*\d+(\.\d+)?\s*$/.test(text))
      return `must be an interval of a non-negative amount (got '${text}')`;
    ms = Number(text) * unit;
  } else {
    // `interval '1 minute 30 seconds'`: amount-unit pairs inside the string.
    const parts = text.trim().split(/\s+/);
    if (parts.length % 2 !== 0 || parts.length === 0) {
      return `must be an interval such as interval '5' second or interval '1 minute 30 seconds' (got '${text}')`;
    }
    ms = 0;
    for (let i = 0; i < parts.length; i += 2) {
      const unit = unitMs(parts[i + 1]);
      if (!/^\d+(\.\d+)?$/.test(parts[i]) || unit === undefined) {
        return `must be an interval in ${INTERVAL_UNITS} with non-negative amounts (got '${text}')`;
      }
      ms += Number(parts[i]) * unit;
    }
  }
  const rounded = Math.ceil(ms);
  return Number.isSafeInteger(rounded) ? rounded : `is too long an interval (got '${text}')`;
}
