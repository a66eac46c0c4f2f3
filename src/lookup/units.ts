/**
 * Option values with units: durations (`'30s'`, `'5m'`, `'250ms'`, or bare milliseconds) and
 * byte sizes (`'64MiB'`, `'100MB'`, or bare bytes). Both return undefined for text they do not
 * read, so the caller reports the option with its own wording.
 */

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i;
const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Milliseconds of `'30s'`, `'5m'`, `'1.5h'`, `'250ms'`, `'2d'` or `'1000'` (bare: ms); rounded up. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (m === null) return undefined;
  const ms = Math.ceil(Number(m[1]) * DURATION_UNITS[(m[2] ?? 'ms').toLowerCase()]);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib|k|m|g)?\s*$/i;
/** KB/MB/GB are decimal; KiB/MiB/GiB binary; k/m/g mean KiB/MiB/GiB as in Redis' own config. */
const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
};

/** Bytes of `'1048576'`, `'512KiB'`, `'64MB'`, `'1g'`; rounded down. */
export function parseByteSize(text: string): number | undefined {
  const m = SIZE.exec(text);
  if (m === null) return undefined;
  const bytes = Math.floor(Number(m[1]) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()]);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
