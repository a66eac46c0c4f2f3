/**
 * What a run left in Redis, read back with the project's own client: the keys under each sink
 * table's prefix and one sample per table — a string with its TTL, the head of a list, the first
 * fields of a hash.
 */
import type { RedisClient } from '../resp/client.js';
import type { Reply } from '../resp/reply.js';
import { type KeySample, writerFor } from '../sink/writers/index.js';
import type { SinkInfo } from './script.js';

/** Keys SCANned per call. */
const SCAN_COUNT = 1000;
/** Entries of a sample list or hash shown. */
const SAMPLE_ENTRIES = 5;
/** Longest value shown, characters. */
const VALUE_CHARS = 160;

/** One table's keys in Redis. */
export interface Landed {
  table: string;
  type: SinkInfo['type'];
  prefix: string;
  /** Keys under the prefix (whoever wrote them). */
  keys: number;
  /**
   * The smallest key name under the prefix, read back as its table's writer reads a key: a
   * string's value and TTL (-1: none), a list's length and head, a hash's field count and first
   * fields (`field`, `value`).
   */
  sample?: { key: string } & KeySample;
}

const str = (r: Reply): string => (Buffer.isBuffer(r) ? r.toString('utf8') : String(r));

/** Counts the keys `match` finds and returns the smallest name among them. */
async function scanKeys(c: RedisClient, match: string): Promise<{ keys: number; first?: string }> {
  let cursor = '0';
  let keys = 0;
  let first: string | undefined;
  do {
    const [next, batch] = (await c.send(['SCAN', cursor, 'MATCH', match, 'COUNT', SCAN_COUNT])) as [
      Reply,
      Reply[],
    ];
    cursor = str(next);
    for (const k of batch) {
      const key = str(k);
      keys++;
      if (first === undefined || key < first) first = key;
    }
  } while (cursor !== '0');
  return { keys, first };
}

/** Reads back what each sink table left under its prefix. */
export async function readLanded(c: RedisClient, sinks: readonly SinkInfo[]): Promise<Landed[]> {
  const out: Landed[] = [];
  for (const s of sinks) {
    const writer = writerFor(s.type);
    // A channel keeps nothing to count or read back.
    if (writer.redisType === 'none') {
      out.push({ table: s.name, type: s.type, prefix: s.prefix, keys: 0 });
      continue;
    }
    const { keys, first } = await scanKeys(c, s.match);
    const landed: Landed = { table: s.name, type: s.type, prefix: s.prefix, keys };
    if (first !== undefined) {
      const replies = await c.pipeline(writer.sampleCommands(first, SAMPLE_ENTRIES));
      landed.sample = { key: first, ...writer.sample(replies, SAMPLE_ENTRIES) };
    }
    out.push(landed);
  }
  return out;
}

const clip = (s: string, max = VALUE_CHARS) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const int = (n: number) => n.toLocaleString('en-US');

/** The read-back for people. */
export function landedLines(landed: readonly Landed[]): string[] {
  const lines: string[] = [];
  const width = Math.max(...landed.map((l) => l.prefix.length + 1));
  for (const l of landed) {
    lines.push(
      `  ${`${l.prefix}*`.padEnd(width)}  ${int(l.keys).padStart(9)} ${l.type} keys  (table ${l.table})`,
    );
  }
  for (const l of landed) {
    const s = l.sample;
    if (s === undefined) continue;
    lines.push('', `  ${s.key}  (${writerFor(l.type).describeSample(s)})`);
    if (s.length === undefined) {
      // A value that is not a collection (a string) is shown whole, or nearly.
      lines.push(`    ${clip(s.entries[0]?.value ?? '', 4 * VALUE_CHARS)}`);
    } else {
      for (const [i, e] of s.entries.entries()) {
        lines.push(
          e.field === undefined ? `    ${i}: ${clip(e.value)}` : `    ${e.field} = ${clip(e.value)}`,
        );
      }
    }
  }
  return lines;
}
