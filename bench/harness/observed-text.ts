/**
 * What the observers read, as pure functions: the row ids and Redis's timestamp in a line of
 * `MONITOR` output, and the row ids in the raw bytes of pub/sub messages. Rows are found by the
 * `id` column of their JSON, which is how `runBenchmark()`'s flat rows begin (`{"id":N,…`).
 */

/** The id column inside a value as MONITOR quotes it (`"{\"id\":12,…}"`). */
const QUOTED_ID = '\\"id\\":';
/** The id column at the start of a message's payload (a bulk string: `$len\r\n{"id":N,…`). */
const RAW_ID = '\r\n{"id":';

/** A MONITOR line's command: when Redis executed it (ms since the epoch) and the row ids in it. */
export interface MonitorCommand {
  atMs: number;
  ids: number[];
}

/**
 * One line of MONITOR output (`+1733500000.123456 [0 127.0.0.1:5555] "SET" "k" "{\"id\":1,…}"`,
 * without its CRLF), or null when it does not mention `keyMark` (another client's command, or
 * MONITOR's own `+OK`). The timestamp keeps its microseconds.
 */
export function parseMonitorLine(line: string, keyMark: string): MonitorCommand | null {
  if (!line.includes(keyMark)) return null;
  const dot = line.indexOf('.');
  const space = line.indexOf(' ', dot);
  if (line.charCodeAt(0) !== 43 /* + */ || dot === -1 || space === -1) return null;
  const atMs = Number(line.slice(1, dot)) * 1000 + Number(line.slice(dot + 1, space)) / 1000;
  return { atMs, ids: idsAfter(line, QUOTED_ID) };
}

/** The row ids in a run of whole pub/sub message frames (only a payload's own `id`, not a nested one). */
export function idsInMessages(frames: string): number[] {
  return idsAfter(frames, RAW_ID);
}

function idsAfter(text: string, mark: string): number[] {
  const ids: number[] = [];
  for (let at = text.indexOf(mark); at !== -1; at = text.indexOf(mark, at + mark.length)) {
    let end = at + mark.length;
    let id = 0;
    let digits = 0;
    for (let c = text.charCodeAt(end); c >= 48 && c <= 57; c = text.charCodeAt(++end), digits++) {
      id = id * 10 + (c - 48);
    }
    if (digits > 0) ids.push(id);
  }
  return ids;
}

/**
 * Nearest-rank percentiles of (seen − due) over sampled rows, where row N was due at
 * `startWallMs + N * 1000 / rate`. Percentile p is the ⌈p/100 · n⌉-th smallest latency.
 */
export function latencyPercentiles(
  ids: readonly number[],
  seenAt: readonly number[],
  startWallMs: number,
  rate: number,
): { p50Ms: number; p90Ms: number; p99Ms: number; p999Ms: number; maxMs: number } {
  const n = ids.length;
  const latencies = new Float64Array(n);
  for (let j = 0; j < n; j++) latencies[j] = seenAt[j] - (startWallMs + (ids[j] * 1000) / rate);
  latencies.sort();
  const at = (p: number) =>
    n === 0 ? Number.NaN : latencies[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
  return { p50Ms: at(50), p90Ms: at(90), p99Ms: at(99), p999Ms: at(99.9), maxMs: at(100) };
}
