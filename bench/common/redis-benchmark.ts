/**
 * Reference row: Redis's own `redis-benchmark` (C, 50 connections, 128-deep pipelines) against the
 * same server — roughly the most SETs per second this server can take on this machine. The sink
 * suite's reference rows (sink-reference.ts) run it through `execRedisBenchmark` too.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface RedisBenchmarkResult {
  opsPerSec: number;
  /** User+system CPU of redis-benchmark itself (from the shell's `times`). */
  cpuSeconds: number | undefined;
  /** The exact command line, for the report. */
  command: string;
}

export async function runRedisBenchmark(
  port: number,
  requests: number,
  timeoutMs: number,
): Promise<RedisBenchmarkResult> {
  const args = [
    ...['-h', '127.0.0.1', '-p', String(port)],
    ...['-t', 'set', '-n', String(requests), '-P', '128', '-c', '50', '-r', '1000000', '-d', '100', '-q'],
  ];
  const figures = await execRedisBenchmark(args, timeoutMs);
  return { ...figures, command: `redis-benchmark ${args.join(' ')}` };
}

/** Runs `redis-benchmark ...args` (one test, `-q`) and reads its rate and its own CPU. */
export async function execRedisBenchmark(
  args: readonly string[],
  timeoutMs: number,
): Promise<Omit<RedisBenchmarkResult, 'command'>> {
  // `times` prints the shell's and then its children's user/system CPU: the second line is
  // redis-benchmark's own. "$0" "$@" passes the arguments through without any re-quoting.
  const script = '"$0" "$@"; s=$?; times; exit $s';
  const { stdout } = await execFileAsync('sh', ['-c', script, 'redis-benchmark', ...args], {
    timeout: timeoutMs,
    maxBuffer: 4 << 20,
  });
  // -q prints progress lines separated by \r, then `<command>: 123456.78 requests per second, p50=...`.
  const last = [...stdout.matchAll(/: ([\d.]+) requests per second/g)].at(-1);
  if (last === undefined) throw new Error(`cannot parse redis-benchmark output: ${JSON.stringify(stdout)}`);
  const times = [...stdout.matchAll(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/g)][1];
  const cpuSeconds =
    times === undefined
      ? undefined
      : Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4]);
  return { opsPerSec: Number(last[1]), cpuSeconds };
}
