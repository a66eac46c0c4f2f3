/**
 * `laminar-redis bench`: flags onto `runBenchmark()`, a progress line on a terminal (JSON lines
 * otherwise), the report as the last line of stdout, and `--out report.html` drawn from it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Presets, SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { BenchProgress, BenchRedis } from '../harness/bench-options.js';
import type { BenchReport } from '../harness/bench-report.js';
import { BenchVerifyError } from '../harness/errors.js';
import { runBenchmark } from '../harness/run-benchmark.js';
import { errorLine, UsageError } from './error-line.js';
import { stopOnSignals } from './run-command.js';
import { resolveToken } from './token.js';

const DOCS = 'https://github.com/laminar-redis/laminar-redis/blob/main/docs';

/** The flags as commander hands them over. */
interface BenchFlags {
  redis?: string;
  sentinelMaster?: string;
  tlsCa?: string;
  profile?: string;
  sql?: string;
  target: string;
  guarantee: string;
  coordinator?: string;
  token?: string;
  tokenFile?: string;
  shards?: number;
  rows?: number;
  duration?: number;
  rate?: number;
  keys?: number;
  skew?: number;
  shape?: string;
  sample?: string;
  batchSize?: number;
  inFlight?: number;
  verify?: boolean;
  keep?: boolean;
  runId?: string;
  interval?: number;
  json?: boolean;
  out?: string;
}

const positiveInt = (v: string): number => {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('not a positive integer');
  return n;
};

const nonNegative = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('not a non-negative number');
  return n;
};

/** `30s`, `2m`, `500ms` or a bare number of seconds, as ms. */
export const durationMs = (v: string): number => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (m === null || Number(m[1]) <= 0) throw new InvalidArgumentError('not a duration (30s, 2m, 500ms)');
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
};

/** Adds `bench` to the program. */
export function addBenchCommand(program: Command): void {
  program
    .command('bench')
    .description(
      `write a workload through the sink into your Redis, Sentinel or Cluster and measure it: rows/s, latency percentiles from write to acknowledgement, client CPU per row, what INFO saw (${DOCS}/bench-harness.md)`,
    )
    .option(
      '--redis <url>',
      'Redis to write to; comma-separated URLs are cluster seeds (a single cluster node is detected)',
    )
    .option(
      '--sentinel-master <name>',
      'the --redis URLs are Sentinels; write to the primary they monitor under this name',
    )
    .option('--tls-ca <file>', 'PEM of the CA that signed the server certificates (rediss:// URLs)')
    .option(
      '--profile <file>',
      'a connection profile JSON file (the POST /v1/connection_profiles body) instead of --redis',
    )
    .option(
      '--sql <file>',
      "a CREATE TABLE ... WITH (connector = 'redis') file: its connection is used instead of --redis",
    )
    .addOption(
      new Option('--target <type>', 'table type written through')
        .choices([
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
        ])
        .default('string'),
    )
    .addOption(
      new Option('--guarantee <mode>', 'delivery')
        .choices(['at-least-once', 'exactly-once'])
        .default('at-least-once'),
    )
    .option(
      '--coordinator <host:port>',
      "write through a running coordinator's workers (gRPC address) instead of a sink in this process",
    )
    .option('--token-file <file>', "file holding the coordinator's API token (default: $LAMINAR_API_TOKEN)")
    .option('--token <token>', 'the API token itself (visible in ps: prefer --token-file)')
    .option('--shards <n>', "coordinator mode: shards of the benchmark's table", positiveInt)
    .option('--rows <n>', 'rows to write (default 100000)', positiveInt)
    .option('--duration <time>', 'write for this long instead (30s, 2m, 500ms)', durationMs)
    .option(
      '--rate <rows/s>',
      'open loop: rows arrive at this fixed rate and latency counts from their due time (default: closed loop, as fast as acknowledged)',
      positiveInt,
    )
    .option('--keys <n>', 'distinct keys (default 10000)', positiveInt)
    .option('--skew <s>', 'key skew: 0 uniform (default), s > 0 Zipf with exponent s', nonNegative)
    .addOption(
      new Option('--shape <shape>', 'row shape (default flat; file with --sample)').choices([
        'flat',
        'nested',
        'file',
      ]),
    )
    .option('--sample <file>', 'JSON-lines file whose rows are replayed (implies --shape file)')
    .option('--batch-size <n>', 'rows per flush (default 1000)', positiveInt)
    .option('--in-flight <n>', 'batches sent and not yet acknowledged (default 8)', positiveInt)
    .option('--verify', 'after the run, read back what landed and compare it with what was written')
    .option('--keep', 'leave the keys in Redis (default: deleted at the end)')
    .option('--run-id <id>', 'run id (keys go under bench:<id>:); default a fresh one')
    .option('--interval <ms>', 'length of one progress interval, ms (default 1000)', positiveInt)
    .option('--json', 'JSON lines on stdout even on a terminal')
    .option('--out <file>', 'also write the report as an HTML page with charts')
    .addHelpText(
      'after',
      '\nThe report (JSON, the last line on stdout) is described in ' +
        `${DOCS}/bench-report.md.\nExit code 1 when a write failed or --verify found a difference.`,
    )
    .action(async (flags: BenchFlags) => {
      const { signal, dispose } = stopOnSignals();
      try {
        await runBenchCommand(flags, signal);
        if (signal.aborted && process.exitCode === undefined) process.exitCode = 130;
      } finally {
        dispose();
      }
    });
}

async function runBenchCommand(flags: BenchFlags, signal: AbortSignal): Promise<void> {
  const redis = await redisOf(flags);
  const token =
    flags.coordinator === undefined
      ? undefined
      : await resolveToken({ token: flags.token, tokenFile: flags.tokenFile });
  const json = flags.json === true || process.stdout.isTTY !== true;
  const progress = json ? new JsonProgress() : new TerminalProgress();
  let failure: unknown = null;
  let report: BenchReport;
  try {
    report = await runBenchmark({
      redis,
      target: flags.target as BenchReport['settings']['target'],
      guarantee: flags.guarantee as BenchReport['settings']['guarantee'],
      coordinator:
        flags.coordinator === undefined
          ? undefined
          : { address: flags.coordinator, token, shards: flags.shards },
      rows: flags.rows,
      durationMs: flags.duration,
      rate: flags.rate,
      keys: flags.keys,
      skew: flags.skew,
      shape: (flags.shape ??
        (flags.sample === undefined ? undefined : 'file')) as BenchReport['settings']['shape'],
      sampleFile: flags.sample,
      batchSize: flags.batchSize,
      inFlight: flags.inFlight,
      verify: flags.verify,
      keep: flags.keep,
      runId: flags.runId,
      intervalMs: flags.interval,
      signal,
      onInterval: (p) => progress.interval(p),
      onError: (err) => {
        failure = err;
      },
    });
  } finally {
    progress.stop();
  }
  if (!json) process.stderr.write(summary(report));
  process.stdout.write(`${JSON.stringify(report)}\n`);
  if (flags.out !== undefined) {
    const { renderHtmlReport } = await import('../harness/html-report.js');
    await writeFile(flags.out, renderHtmlReport(report));
  }
  if (failure !== null) {
    process.stderr.write(`${errorLine(failure, 'bench stopped')}\n`);
    process.exitCode = 1;
  } else if (report.verify !== null && !report.verify.ok) {
    throw new BenchVerifyError(report.verify.problems);
  }
}

async function redisOf(flags: BenchFlags): Promise<BenchRedis> {
  const given = [flags.redis, flags.profile, flags.sql].filter((v) => v !== undefined).length;
  if (given > 1) throw new UsageError('give one of --redis, --profile and --sql');
  if (flags.profile !== undefined) return { profile: JSON.parse(await readText(flags.profile, '--profile')) };
  if (flags.sql !== undefined) return { sql: await readText(flags.sql, '--sql') };
  const url = flags.redis ?? (process.env.REDIS_URL || undefined);
  if (url === undefined) throw new UsageError('give --redis (or --profile, --sql, or $REDIS_URL)');
  const tlsCa = flags.tlsCa === undefined ? undefined : await readText(flags.tlsCa, '--tls-ca');
  return { url, sentinelMaster: flags.sentinelMaster, tlsCa };
}

async function readText(file: string, flag: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

interface ProgressSink {
  interval(p: BenchProgress): void;
  stop(): void;
}

/** One JSON line per interval on stdout. */
class JsonProgress implements ProgressSink {
  interval(p: BenchProgress): void {
    process.stdout.write(`${JSON.stringify({ event: 'interval', ...p })}\n`);
  }
  stop(): void {}
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** One line redrawn in place on stderr. */
class TerminalProgress implements ProgressSink {
  readonly #bar = new SingleBar(
    {
      format: ' {bar} {pct} | {acked} rows | {rate} rows/s | p50 {p50} ms | p99 {p99} ms',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  #started = false;

  interval(p: BenchProgress): void {
    const total = p.rowsTotal ?? p.durationMs ?? 1;
    const done = p.rowsTotal !== null ? p.rowsAcked : Math.min(p.atMs, total);
    const payload = {
      pct: `${Math.floor((done / total) * 100)}%`,
      acked: int(p.rowsAcked),
      rate: int(p.rowsPerSec),
      p50: p.p50Ms.toFixed(2),
      p99: p.p99Ms.toFixed(2),
    };
    if (!this.#started) {
      this.#bar.start(total, done, payload);
      this.#started = true;
    } else {
      this.#bar.update(done, payload);
    }
  }

  stop(): void {
    if (this.#started) this.#bar.stop();
  }
}

/** The figures people look at, on stderr (the JSON report follows on stdout). */
function summary(r: BenchReport): string {
  const l = r.latency;
  const lines = [
    `${int(r.rowsAcked)} of ${int(r.rowsSent)} rows acknowledged in ${(r.elapsedMs / 1000).toFixed(1)} s: ${int(r.rowsPerSec)} rows/s, ${r.cpuMicrosPerRow} µs client CPU per row`,
    `latency (${r.settings.rate === null ? 'closed loop, from hand-over' : 'open loop, from due time'}): p50 ${l.p50Ms} ms, p90 ${l.p90Ms} ms, p99 ${l.p99Ms} ms, p99.9 ${l.p999Ms} ms, max ${l.maxMs} ms`,
    ...r.redis.map(
      (n) =>
        `${n.node}: ${n.usedCpuSec} s CPU, ${int(n.opsPerSec)} ops/s, ${int(n.usedMemoryBytes)} bytes used`,
    ),
  ];
  if (Object.keys(r.errors).length > 0) lines.push(`errors: ${JSON.stringify(r.errors)}`);
  if (r.verify !== null)
    lines.push(
      r.verify.ok
        ? `verify: ${int(r.verify.checked)} keys match`
        : `verify: ${r.verify.problems.length} problem(s)`,
    );
  return `${lines.join('\n')}\n`;
}
