/** One measured line of a benchmark suite. */
export interface BenchRow {
  /** Case measured, e.g. `decode mixed replies`, `1M pipelined SET`. */
  case: string;
  /** Who was measured: `laminar-redis`, `ioredis`, `node-redis`, `redis-benchmark`. */
  client: string;
  /** Operations (replies, commands, rows) per second. */
  opsPerSec: number;
  mbPerSec?: number;
  /** User+system CPU seconds of the client process. */
  cpuSeconds?: number;
  /** Peak resident set size of the client process, MiB. */
  peakRssMb?: number;
  extra?: Record<string, number | string>;
}

/** The result of one suite, as written to bench/results/latest.json. */
export interface SuiteResult {
  suite: string;
  title: string;
  rows: BenchRow[];
  /** e.g. `{ label: 'laminar-redis / fastest peer', value: 2.3 }`. */
  ratios: { label: string; value: number }[];
  notes?: string[];
}
