/**
 * The text a join value is looked up by: `text()` (schema/text.ts), so a lookup finds
 * what a sink keyed by the same value wrote — numbers without exponent drift, bigint exact,
 * timestamps ISO-8601 UTC. BYTEA values are read as UTF-8.
 */

import { text } from '../schema/text.js';

/** The key text of a join value, or null for null (and for values without a text form: NaN, ±Infinity). */
export function joinKeyText(value: unknown): string | null {
  const t = text(value);
  if (t === undefined) return null;
  return typeof t === 'string' ? t : t.toString('utf8');
}
