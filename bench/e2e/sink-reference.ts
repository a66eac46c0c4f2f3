/**
 * Reference rows of the sink suite: `redis-benchmark -P 128 -c 50` (C, 50 connections, 128-deep
 * pipelines) sending the sink's own command with a row-sized JSON value — roughly the most of that
 * command this server takes on this machine. Two per table type: the keyspace shaped like the
 * table (`-r 1000000` for the string table's million keys, `-r 1000` for the thousand lists or
 * hashes), and the literal `-r 1000000` (`-t set -d 100` for strings).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rowAt, type TableType } from './sink-workload.js';

const execFileAsync = promisify(execFile);

/** A row of average size (111 bytes of JSON), the value every reference command carries. */
export const REFERENCE_VALUE = JSON.stringify(rowAt(123_456));

export interface ReferenceSpec {
  /** Short label for the report, e.g. `RPUSH, 1,000 keys`. */
  label: string;
  /** Arguments after `-h -p`. */
  args: string[];
}

export function referenceSpecs(type: TableType, requests: number): ReferenceSpec[] {
  const common = (r: number) => ['-n', String(requests), '-P', '128', '-c', '50', '-r', String(r), '-q'];
  switch (type) {
    case 'string':
      return [
        {
          label: 'SET … EX 3600, 1M keys',
          args: [...common(1_000_000), 'SET', 'str:__rand_int__', REFERENCE_VALUE, 'EX', '3600'],
        },
        { label: '-t set -d 100, 1M keys', args: [...common(1_000_000), '-t', 'set', '-d', '100'] },
      ];
    case 'list':
      return [
        {
          label: 'RPUSH, 1,000 keys',
          args: [...common(1_000), 'RPUSH', 'list:__rand_int__', REFERENCE_VALUE],
        },
        {
          label: 'RPUSH, 1M keys',
          args: [...common(1_000_000), 'RPUSH', 'list:__rand_int__', REFERENCE_VALUE],
        },
      ];
    case 'hash': {
      const hset = ['HSET', 'hash:__rand_int__', 'field:__rand_int__', REFERENCE_VALUE];
      return [
        { label: 'HSET, 1,000 keys', args: [...common(1_000), ...hset] },
        { label: 'HSET, 1M keys', args: [...common(1_000_000), ...hset] },
      ];
    }
  }
}

export interface ReferenceResult {
  opsPerSec: number;
  /** User+system CPU of redis-benchmark itself (from the shell's `times`). */
  cpuSeconds: number | undefined;
  /** The command line, value shortened, for the report. */
  command: string;
}

export async function runReference(
  port: number,
  spec: ReferenceSpec,
  timeoutMs: number,
): Promise<ReferenceResult> {
  const args = ['-h', '127.0.0.1', '-p', String(port), ...spec.args];
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
  const shown = spec.args.map((a) => (a === REFERENCE_VALUE ? '<row JSON, 111 B>' : a));
  return { opsPerSec: Number(last[1]), cpuSeconds, command: `redis-benchmark ${shown.join(' ')}` };
}
