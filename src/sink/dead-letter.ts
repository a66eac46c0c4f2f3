/**
 * A dead-letter entry: JSON `{ table, reason, at, row }`. The row is kept as faithfully as JSON
 * allows, whatever it holds: bigint as string, bytes as base64, non-finite numbers and invalid
 * dates as strings, cycles as "[Circular]" — a bad row must never fail its own dead letter.
 */
export function deadLetterEntry(table: string, reason: string, row: unknown): string {
  const seen = new WeakSet<object>();
  const rowJson = JSON.stringify(row, function (this: unknown, _key, value: unknown) {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
    if (value === undefined) return null;
    if (typeof value === 'function' || typeof value === 'symbol') return String(value);
    if (value !== null && typeof value === 'object') {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
      if (
        (value as { type?: string }).type === 'Buffer' &&
        Array.isArray((value as { data?: unknown }).data)
      ) {
        return Buffer.from((value as { data: number[] }).data).toString('base64');
      }
    }
    return value;
  });
  return `{"table":${JSON.stringify(table)},"reason":${JSON.stringify(reason)},"at":"${new Date().toISOString()}","row":${rowJson ?? 'null'}}`;
}
