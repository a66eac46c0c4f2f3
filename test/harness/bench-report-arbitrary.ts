/**
 * fast-check arbitraries of `BenchReport` values, typed against the report's TypeScript types so
 * the schema test and the HTML tests follow the type: a field added to the type does not compile
 * here until it is generated, a field removed from it fails `Exact`, and an enum member added to
 * a union fails the `Covers` checks below until it is listed.
 */
import fc from 'fast-check';
import {
  BENCH_REPORT_VERSION,
  type BenchInterval,
  type BenchLatency,
  type BenchNodeFigures,
  type BenchReport,
  type BenchSettings,
  type BenchShape,
  type BenchTarget,
  type BenchVerify,
} from '../../src/harness/bench-report.js';

/** `true` only when A and B have the same keys: excess keys pass TypeScript's assignability. */
type Exact<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
/** `true` only when the listed values are every member of the union. */
type Covers<Union, Listed> = [Union] extends [Listed] ? ([Listed] extends [Union] ? true : false) : false;
const check = <T extends true>(_: T) => {};

export const TARGETS = [
  'string',
  'list',
  'hash',
  'hash_columns',
  'set',
  'sorted_set',
  'counter',
  'hash_counter',
  'stream',
  'pubsub',
] as const;
export const SHAPES = ['flat', 'nested', 'file'] as const;
export const TOPOLOGIES = ['standalone', 'cluster', 'sentinel'] as const;
export const GUARANTEES = ['at-least-once', 'exactly-once'] as const;
export const MODES = ['embedded', 'coordinator'] as const;
check<Covers<BenchTarget, (typeof TARGETS)[number]>>(true);
check<Covers<BenchShape, (typeof SHAPES)[number]>>(true);
check<Covers<BenchSettings['topology'], (typeof TOPOLOGIES)[number]>>(true);
check<Covers<BenchSettings['guarantee'], (typeof GUARANTEES)[number]>>(true);
check<Covers<BenchSettings['mode'], (typeof MODES)[number]>>(true);

/** Any text, including markup and quotes: the report carries user-chosen strings. */
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('<script>alert(1)</script>', '"quoted" & \'single\'', 'a&amp;b', '</svg><b>x</b>'),
);
const ms = fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true });
const count = fc.nat({ max: 1e9 });
const positive = fc.integer({ min: 1, max: 1e6 });
const isoTime = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

const settingsFields = {
  redis: text,
  topology: fc.constantFrom(...TOPOLOGIES),
  target: fc.constantFrom(...TARGETS),
  guarantee: fc.constantFrom(...GUARANTEES),
  mode: fc.constantFrom(...MODES),
  rows: fc.option(count, { nil: null }),
  durationMs: fc.option(fc.integer({ min: 1, max: 1e9 }), { nil: null }),
  rate: fc.option(fc.double({ min: 0.001, max: 1e7, noNaN: true, noDefaultInfinity: true }), { nil: null }),
  keys: positive,
  skew: fc.double({ min: 0, max: 5, noNaN: true, noDefaultInfinity: true }),
  shape: fc.constantFrom(...SHAPES),
  sampleFile: fc.option(text, { nil: null }),
  batchSize: positive,
  inFlight: positive,
  keyPrefix: text,
};
check<Exact<typeof settingsFields, BenchSettings>>(true);
export const settingsArb: fc.Arbitrary<BenchSettings> = fc.record(settingsFields);

const intervalFields = { atMs: ms, rowsPerSec: ms, p50Ms: ms, p99Ms: ms };
check<Exact<typeof intervalFields, BenchInterval>>(true);
/** Intervals in time order, as a run records them. */
export const intervalsArb: fc.Arbitrary<BenchInterval[]> = fc
  .array(fc.record(intervalFields), { maxLength: 40 })
  .map((xs) => xs.sort((a, b) => a.atMs - b.atMs));

const latencyFields = { count, p50Ms: ms, p90Ms: ms, p99Ms: ms, p999Ms: ms, maxMs: ms, meanMs: ms };
check<Exact<typeof latencyFields, BenchLatency>>(true);
const nodeFields = { node: text, usedCpuSec: ms, usedMemoryBytes: count, opsPerSec: ms };
check<Exact<typeof nodeFields, BenchNodeFigures>>(true);
const verifyFields = { ok: fc.boolean(), checked: count, problems: fc.array(text, { maxLength: 20 }) };
check<Exact<typeof verifyFields, BenchVerify>>(true);

const errorCode = fc.stringMatching(/^ERR_[A-Z0-9_]{1,20}$/);

const reportFields = {
  version: fc.constant(BENCH_REPORT_VERSION),
  runId: fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/),
  startedAt: isoTime,
  laminarVersion: fc.stringMatching(/^\d{1,2}\.\d{1,2}\.\d{1,2}$/),
  settings: settingsArb,
  rowsSent: count,
  rowsAcked: count,
  elapsedMs: ms,
  rowsPerSec: ms,
  cpuMicrosPerRow: ms,
  latency: fc.record(latencyFields),
  intervals: intervalsArb,
  redis: fc.array(fc.record(nodeFields), { maxLength: 6 }),
  errors: fc.dictionary(errorCode, count, { maxKeys: 5 }),
  verify: fc.option(fc.record(verifyFields), { nil: null }),
  cleanedUp: fc.boolean(),
};
check<Exact<typeof reportFields, BenchReport>>(true);
export const reportArb: fc.Arbitrary<BenchReport> = fc.record(reportFields);

/** One plausible report: a 30-second list run with a sine-shaped throughput and latency. */
export function sampleReport(overrides: Partial<BenchReport> = {}): BenchReport {
  const intervals = Array.from({ length: 30 }, (_, i) => ({
    atMs: (i + 1) * 1000,
    rowsPerSec: 50_000 + Math.round(Math.sin(i) * 8000),
    p50Ms: 2 + Math.cos(i),
    p99Ms: 9 + 3 * Math.sin(i / 3),
  }));
  return {
    version: BENCH_REPORT_VERSION,
    runId: 'r1a2b3',
    startedAt: '2026-12-06T18:00:00.000Z',
    laminarVersion: '0.1.0',
    settings: {
      redis: 'redis://127.0.0.1:6380',
      topology: 'standalone',
      target: 'list',
      guarantee: 'at-least-once',
      mode: 'embedded',
      rows: 1_500_000,
      durationMs: null,
      rate: null,
      keys: 1000,
      skew: 0,
      shape: 'flat',
      sampleFile: null,
      batchSize: 10_000,
      inFlight: 4,
      keyPrefix: 'bench:r1a2b3:',
    },
    rowsSent: 1_500_000,
    rowsAcked: 1_500_000,
    elapsedMs: 30_000,
    rowsPerSec: 50_000,
    cpuMicrosPerRow: 3.2,
    latency: { count: 1_500_000, p50Ms: 2, p90Ms: 5, p99Ms: 9, p999Ms: 15, maxMs: 30, meanMs: 2.6 },
    intervals,
    redis: [{ node: '127.0.0.1:6380', usedCpuSec: 4.2, usedMemoryBytes: 12_345_678, opsPerSec: 10_000 }],
    errors: {},
    verify: { ok: true, checked: 1000, problems: [] },
    cleanedUp: true,
    ...overrides,
  };
}
