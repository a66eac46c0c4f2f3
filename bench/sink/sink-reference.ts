/**
 * Reference rows of the sink suite: `redis-benchmark -P 128 -c 50` (C, 50 connections, 128-deep
 * pipelines) sending the sink's own command with a row-sized JSON value — roughly the most of that
 * command this server takes on this machine. Two per table type: the keyspace shaped like the
 * table (`-r 1000` for the thousand lists or hashes; plain `-t set -d 100` beside `SET … EX` for
 * strings), and the goal's literal `-r 1000000` with the sink's own command (`goal`), which the
 * ≥ 50% goal is checked against; the ratio to the faster of the two is reported too. Issue 15's
 * types (SADD, ZADD, ZINCRBY, INCRBY, HINCRBY, XADD, PUBLISH) have one reference each, the same
 * command with the keyspace of the table (`-r` = its key count; members, fields and scores fixed
 * or `member:__rand_int__`), which their ≥ 80% goal is checked against. The nested shape's
 * references carry a nested row (~190 B) where the command carries the row.
 */
import { execRedisBenchmark, type RedisBenchmarkResult } from '../common/redis-benchmark.js';
import {
  KEY_COUNTS,
  layoutOf,
  nestedRowAt,
  ORIGINAL_TYPES,
  rowAt,
  type Shape,
  STREAM_FIELD,
  type TableType,
} from './sink-workload.js';

/** A row of average size (111 bytes of JSON), the value every flat reference command carries. */
export const REFERENCE_VALUE = JSON.stringify(rowAt(123_456));
/** A nested row (~190 bytes of JSON), the value of the nested shape's reference commands. */
export const NESTED_REFERENCE_VALUE = JSON.stringify(nestedRowAt(123_456));

const referenceValue = (shape: Shape) => (shape === 'flat' ? REFERENCE_VALUE : NESTED_REFERENCE_VALUE);

export interface ReferenceSpec {
  /** Short label for the report, e.g. `RPUSH, 1,000 keys`. */
  label: string;
  /** Arguments after `-h -p`. */
  args: string[];
  /**
   * The goal's reference. Original types: `-r 1000000` with the sink's own command (SET … EX for
   * strings), which the goal "≥ 50% of redis-benchmark for the same command" is checked against.
   * Issue 15's types: the same command with the keyspace shaped like the table (goal ≥ 80%).
   */
  goal?: true;
}

const keysText = (n: number) =>
  n >= 1_000_000 ? `${n / 1_000_000}M keys` : `${n.toLocaleString('en-US')} keys`;

export function referenceSpecs(type: TableType, requests: number, shape: Shape = 'flat'): ReferenceSpec[] {
  const common = (r: number) => ['-n', String(requests), '-P', '128', '-c', '50', '-r', String(r), '-q'];
  const value = referenceValue(shape);
  const l = layoutOf(type, shape);
  const keys = KEY_COUNTS[l.key];
  const key = `${l.prefix}__rand_int__`;
  const member = 'member:__rand_int__';
  switch (type) {
    case 'string':
      return [
        {
          label: 'SET … EX 3600, 1M keys',
          args: [...common(1_000_000), 'SET', key, value, 'EX', '3600'],
          goal: true,
        },
        { label: '-t set -d 100, 1M keys', args: [...common(1_000_000), '-t', 'set', '-d', '100'] },
      ];
    case 'list':
      return [
        { label: `RPUSH, ${keysText(keys)}`, args: [...common(keys), 'RPUSH', key, value] },
        { label: 'RPUSH, 1M keys', args: [...common(1_000_000), 'RPUSH', key, value], goal: true },
      ];
    case 'hash': {
      const hset = ['HSET', key, 'field:__rand_int__', value];
      return [
        { label: `HSET, ${keysText(keys)}`, args: [...common(keys), ...hset] },
        { label: 'HSET, 1M keys', args: [...common(1_000_000), ...hset], goal: true },
      ];
    }
    case 'set':
      return [{ label: `SADD, ${keysText(keys)}`, args: [...common(keys), 'SADD', key, member], goal: true }];
    case 'sorted_set':
      return [
        {
          label: `ZADD, ${keysText(keys)}`,
          args: [...common(keys), 'ZADD', key, '123.45', member],
          goal: true,
        },
      ];
    case 'sorted_set_incr':
      return [
        {
          label: `ZINCRBY, ${keysText(keys)}`,
          args: [...common(keys), 'ZINCRBY', key, '123.45', member],
          goal: true,
        },
      ];
    case 'counter':
      return [
        { label: `INCRBY, ${keysText(keys)}`, args: [...common(keys), 'INCRBY', key, '500'], goal: true },
      ];
    case 'hash_counter':
      return [
        {
          label: `HINCRBY, ${keysText(keys)}`,
          args: [...common(keys), 'HINCRBY', key, 'field:__rand_int__', '500'],
          goal: true,
        },
      ];
    case 'stream':
      return [
        {
          label: `XADD, ${keysText(keys)}`,
          args: [...common(keys), 'XADD', key, '*', STREAM_FIELD, value],
          goal: true,
        },
      ];
    case 'pubsub':
      return [
        { label: `PUBLISH, ${keysText(keys)}`, args: [...common(keys), 'PUBLISH', key, value], goal: true },
      ];
  }
}

/** Whether a type's goal reference is the literal `-r 1000000` (the original types) or the table's keyspace. */
export const goalReferenceText = (type: TableType) =>
  ORIGINAL_TYPES.includes(type) ? '-r 1000000' : 'keyspace of the table';

/** `command` has the row value shortened, for the report. */
export type ReferenceResult = RedisBenchmarkResult;

export async function runReference(
  port: number,
  spec: ReferenceSpec,
  timeoutMs: number,
): Promise<ReferenceResult> {
  const figures = await execRedisBenchmark(['-h', '127.0.0.1', '-p', String(port), ...spec.args], timeoutMs);
  const shown = spec.args.map((a) =>
    a === REFERENCE_VALUE
      ? '<row JSON, 111 B>'
      : a === NESTED_REFERENCE_VALUE
        ? `<nested row JSON, ${a.length} B>`
        : a,
  );
  return { ...figures, command: `redis-benchmark ${shown.join(' ')}` };
}
