/**
 * Reference rows of the sink suite: `redis-benchmark -P 128 -c 50` (C, 50 connections, 128-deep
 * pipelines) sending the sink's own command with a row-sized JSON value — roughly the most of that
 * command this server takes on this machine. Two per table type: the keyspace shaped like the
 * table (`-r 1000` for the thousand lists or hashes; plain `-t set -d 100` beside `SET … EX` for
 * strings), and the goal's literal `-r 1000000` with the sink's own command (`goal`), which the
 * ≥ 50% goal is checked against; the ratio to the faster of the two is reported too.
 */
import { execRedisBenchmark, type RedisBenchmarkResult } from '../common/redis-benchmark.js';
import { rowAt, type TableType } from './sink-workload.js';

/** A row of average size (111 bytes of JSON), the value every reference command carries. */
export const REFERENCE_VALUE = JSON.stringify(rowAt(123_456));

export interface ReferenceSpec {
  /** Short label for the report, e.g. `RPUSH, 1,000 keys`. */
  label: string;
  /** Arguments after `-h -p`. */
  args: string[];
  /**
   * The goal's reference: `-r 1000000` with the sink's own command (SET … EX for strings), which
   * the goal "≥ 50% of redis-benchmark for the same command" is checked against.
   */
  goal?: true;
}

export function referenceSpecs(type: TableType, requests: number): ReferenceSpec[] {
  const common = (r: number) => ['-n', String(requests), '-P', '128', '-c', '50', '-r', String(r), '-q'];
  switch (type) {
    case 'string':
      return [
        {
          label: 'SET … EX 3600, 1M keys',
          args: [...common(1_000_000), 'SET', 'str:__rand_int__', REFERENCE_VALUE, 'EX', '3600'],
          goal: true,
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
          goal: true,
        },
      ];
    case 'hash': {
      const hset = ['HSET', 'hash:__rand_int__', 'field:__rand_int__', REFERENCE_VALUE];
      return [
        { label: 'HSET, 1,000 keys', args: [...common(1_000), ...hset] },
        { label: 'HSET, 1M keys', args: [...common(1_000_000), ...hset], goal: true },
      ];
    }
  }
}

/** `command` has the row value shortened, for the report. */
export type ReferenceResult = RedisBenchmarkResult;

export async function runReference(
  port: number,
  spec: ReferenceSpec,
  timeoutMs: number,
): Promise<ReferenceResult> {
  const figures = await execRedisBenchmark(['-h', '127.0.0.1', '-p', String(port), ...spec.args], timeoutMs);
  const shown = spec.args.map((a) => (a === REFERENCE_VALUE ? '<row JSON, 111 B>' : a));
  return { ...figures, command: `redis-benchmark ${shown.join(' ')}` };
}
