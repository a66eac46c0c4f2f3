/** Small helpers every end-to-end suite uses to pick and print figures. */

/** Median item by `key`; the lower middle one for an even count. */
export function medianBy<T>(items: T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[(sorted.length - 1) >> 1];
}

export const roundTo = (x: number, digits: number): number => Number(x.toFixed(digits));

/** An integer with thousands separators, as the tables show rates. */
export const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
