import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keySlot } from '../../src/index.js';
import type { Command } from '../../src/resp/reply.js';
import type { FenceOp } from '../../src/sink/fence/fence-script.js';
import {
  asEval,
  type FencedRows,
  FenceMemory,
  type FenceWriter,
  fencedCommands,
  noteApplied,
} from '../../src/sink/fence/fenced-commands.js';
import { useRedis } from '../support/fixtures.js';

const redis = useRedis();

/** Keys of two slots of their own and two sharing one (`{t}`): one fence may serve two keys. */
const KEYS = ['a', 'b', '{t}c', '{t}d'];
const PARTITIONS = ['p0', 'p1'];

/**
 * A flush: rows of (partition, key), each partition's offsets starting at a point drawn against
 * what was sent so far (a replay of some, all or none of it, or rows past it) and rising, or
 * falling back part way (a source that rewinds within one flush).
 */
const flushArb = fc.record({
  rows: fc.array(fc.tuple(fc.nat(PARTITIONS.length - 1), fc.nat(KEYS.length - 1)), {
    minLength: 1,
    maxLength: 24,
  }),
  back: fc.array(fc.nat(8), { minLength: PARTITIONS.length, maxLength: PARTITIONS.length }),
  rewindAt: fc.option(fc.nat(23), { nil: undefined }),
});

async function run(command: Command): Promise<number> {
  try {
    return Number(await redis.client.send(command));
  } catch (e) {
    if (!String((e as Error).message).includes('NOSCRIPT')) throw e;
    return Number(await redis.client.send(asEval(command)));
  }
}

describe('fences — replays against bare runs', () => {
  it.each<FenceOp>(['RPUSH', 'INCRBY'])(
    'fence — property (%s): replays, partial overlaps and rewinds within a flush apply each (partition, offset) once per fence, in order',
    async (op) => {
      let round = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(flushArb, { minLength: 1, maxLength: 6 }), async (flushes) => {
          const prefix = `rp${op}${++round}:`;
          const memory = new FenceMemory();
          const writer: FenceWriter = { table: prefix, owner: 'job', generation: 1, memory };
          const next = PARTITIONS.map(() => 0);
          // The model: per (slot, partition) the last applied offset; a row applies when past it.
          const fence = new Map<string, number>();
          const lists = new Map<string, string[]>();
          const sums = new Map<string, number>();
          for (const flush of flushes) {
            const at = next.map((n, p) => Math.max(0, n - flush.back[p]));
            const keys: string[] = [];
            const values: string[] = [];
            const offsets: number[] = [];
            const partitions: string[] = [];
            flush.rows.forEach(([p, k], i) => {
              // Part way through, the first partition's offsets fall back to where the flush began.
              if (i === flush.rewindAt && p === 0) at[0] = Math.max(0, at[0] - 3);
              const offset = at[p]++;
              next[p] = Math.max(next[p], at[p]);
              const key = `${prefix}${KEYS[k]}`;
              const value = String(offset * 10 + p);
              keys.push(key);
              values.push(value);
              offsets.push(offset);
              partitions.push(PARTITIONS[p]);
              const id = `${keySlot(key)}/${p}`;
              if (offset <= (fence.get(id) ?? -1)) return;
              fence.set(id, offset);
              lists.set(key, [...(lists.get(key) ?? []), value]);
              sums.set(key, (sums.get(key) ?? 0) + Number(value));
            });
            const rows: FencedRows = {
              keys,
              fields: [],
              values,
              pairs: [],
              deletes: [],
              partitions,
              offsets,
            };
            const { commands, rowsPerCommand } = fencedCommands(rows, { op, flags: [] }, writer, false);
            for (const [c, command] of commands.entries()) {
              noteApplied(command, await run(command), rowsPerCommand[c]);
            }
          }
          for (const k of KEYS) {
            const key = `${prefix}${k}`;
            if (op === 'RPUSH')
              expect(await redis.client.send(['LRANGE', key, 0, -1])).toEqual(lists.get(key) ?? []);
            else
              expect(await redis.client.send(['GET', key])).toBe(
                sums.has(key) ? String(sums.get(key)) : null,
              );
          }
        }),
        { numRuns: 60 },
      );
    },
  );
});
