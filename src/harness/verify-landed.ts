/**
 * Verify mode: reads back what landed and compares it with what the rows sent should have left,
 * recomputed from the row numbers (rows are pure functions of them). Per key: the last value
 * (strings, hashes by columns), the count of entries (lists, hashes by field, sets, sorted sets,
 * streams), the sum of increments (counters, hash counters), and for a sample of lists the
 * entries themselves, in order.
 */
import type { Command, Reply } from '../resp/reply.js';
import type { RedisTransport } from '../resp/target.js';
import type { BenchTarget, BenchVerify } from './bench-report.js';
import type { RowSource } from './bench-rows.js';

/** Problems reported at most. */
const MAX_PROBLEMS = 20;
/** Commands per pipeline while reading back. */
const CHUNK = 1_000;
/** Lists whose entries are compared one by one (the others by length). */
const LIST_SAMPLE = 20;
/** Longest list compared entry by entry. */
const LIST_SAMPLE_MAX = 10_000;

export async function verifyLanded(
  redis: RedisTransport,
  target: BenchTarget,
  keyPrefix: string,
  source: RowSource,
  rowsSent: number,
): Promise<BenchVerify> {
  const keys = expected(source, rowsSent);
  const problems: string[] = [];
  const note = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const used: number[] = [];
  for (let k = 0; k < keys.count.length; k++) if (keys.count[k] > 0) used.push(k);
  const keyName = (k: number) => `${keyPrefix}${source.keyTextOfIndex(k)}`;
  const idColumn = source.layout.id;

  for (let at = 0; at < used.length; at += CHUNK) {
    const part = used.slice(at, at + CHUNK);
    const replies = await redis.pipeline(part.map((k) => readCommand(target, keyName(k), idColumn)));
    part.forEach((k, j) => {
      const problem = compare(target, replies[j], keys, k, idColumn);
      if (problem !== null) note(`${keyName(k)}: ${problem}`);
    });
  }
  if (target === 'list') await compareLists(redis, keys, used, keyName, idColumn, source, rowsSent, note);
  return { ok: problems.length === 0, checked: used.length, problems };
}

interface Expected {
  count: Uint32Array;
  last: Float64Array;
  sum: Float64Array;
}

function expected(source: RowSource, rowsSent: number): Expected {
  const n = keySpace(source, rowsSent);
  const count = new Uint32Array(n);
  const last = new Float64Array(n).fill(-1);
  const sum = new Float64Array(n);
  for (let i = 0; i < rowsSent; i++) {
    const k = source.keyIndexOf(i);
    count[k]++;
    last[k] = i;
    sum[k] += source.numberOf(i);
  }
  return { count, last, sum };
}

/** One more than the highest key index the rows use. */
function keySpace(source: RowSource, rowsSent: number): number {
  let max = -1;
  for (let i = 0; i < rowsSent; i++) {
    const k = source.keyIndexOf(i);
    if (k > max) max = k;
  }
  return max + 1;
}

function readCommand(target: BenchTarget, key: string, idColumn: string): Command {
  switch (target) {
    case 'string':
    case 'counter':
      return ['GET', key];
    case 'list':
      return ['LLEN', key];
    case 'hash':
      return ['HLEN', key];
    case 'hash_columns':
      return ['HGET', key, idColumn];
    case 'set':
      return ['SCARD', key];
    case 'sorted_set':
      return ['ZCARD', key];
    case 'hash_counter':
      return ['HVALS', key];
    case 'stream':
      return ['XLEN', key];
    case 'pubsub':
      return ['EXISTS', key];
  }
}

/** What is wrong with one key's reply, or null. */
function compare(target: BenchTarget, reply: Reply, e: Expected, k: number, idColumn: string): string | null {
  if (reply instanceof Error) return `read failed (${reply.message})`;
  switch (target) {
    case 'string': {
      if (reply === null) return 'missing';
      let id: unknown;
      try {
        id = (JSON.parse(String(reply)) as Record<string, unknown>)[idColumn];
      } catch {
        return 'value is not JSON';
      }
      return Number(id) === e.last[k] ? null : `last value is row ${String(id)}, expected row ${e.last[k]}`;
    }
    case 'hash_columns':
      if (reply === null) return 'missing';
      return Number(String(reply)) === e.last[k]
        ? null
        : `last row is ${String(reply)}, expected ${e.last[k]}`;
    case 'counter':
      if (reply === null) return 'missing';
      return Number(String(reply)) === e.sum[k] ? null : `counter is ${String(reply)}, expected ${e.sum[k]}`;
    case 'hash_counter': {
      const values = reply as Reply[];
      let got = 0;
      for (const v of values) got += Number(String(v));
      return got === e.sum[k] ? null : `fields sum to ${got}, expected ${e.sum[k]}`;
    }
    default: {
      const got = Number(reply);
      return got === e.count[k] ? null : `holds ${got} entries, expected ${e.count[k]}`;
    }
  }
}

/** Compares the entries of a few lists with the rows sent to them, in order. */
async function compareLists(
  redis: RedisTransport,
  e: Expected,
  used: number[],
  keyName: (k: number) => string,
  idColumn: string,
  source: RowSource,
  rowsSent: number,
  note: (p: string) => void,
): Promise<void> {
  const sample = used.filter((k) => e.count[k] <= LIST_SAMPLE_MAX).slice(0, LIST_SAMPLE);
  if (sample.length === 0) return;
  const ids = new Map<number, number[]>(sample.map((k) => [k, []]));
  for (let i = 0; i < rowsSent; i++) ids.get(source.keyIndexOf(i))?.push(i);
  const replies = await redis.pipeline(sample.map((k) => ['LRANGE', keyName(k), 0, -1]));
  sample.forEach((k, j) => {
    const reply = replies[j];
    if (reply instanceof Error) {
      note(`${keyName(k)}: read failed (${reply.message})`);
      return;
    }
    const got = (reply as Reply[]).map((v) => {
      try {
        return Number((JSON.parse(String(v)) as Record<string, unknown>)[idColumn]);
      } catch {
        return Number.NaN;
      }
    });
    const want = ids.get(k)!;
    const at = firstDifference(got, want);
    if (at !== -1) {
      note(
        `${keyName(k)}: entry ${at} is row ${got[at] ?? 'none'}, expected row ${want[at] ?? 'none'} (${got.length} entries, expected ${want.length})`,
      );
    }
  });
}

function firstDifference(a: number[], b: number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}
