import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reply } from '../../src/resp/reply.js';
import type { SortedSetTarget } from '../../src/sink/model.js';
import { RowEncoder } from '../../src/sink/row-encoder.js';
import { rowPipeline } from '../../src/sink/row-pipeline.js';
import { ScorePipeline } from '../../src/sink/score-pipeline.js';
import { writerOf } from '../../src/sink/writers/index.js';
import { useRedis } from '../support/fixtures.js';
import { respReference } from '../support/resp-reference.js';
import { arrayFlush, expectFlush, feedPipeline, table } from '../support/sink.js';

const redis = useRedis();

/** A leaderboard: a sorted set whose members come from a column, in the default modes. */
const BOARD: SortedSetTarget = {
  type: 'sorted_set',
  sortedSetPrefix: 'z:',
  sortedSetKeyColumn: 'k',
  scoreColumn: 'f',
  memberColumn: 'm',
};

/** Sorted sets whose members come from a column, in every score and write mode Redis allows. */
const targetArb: fc.Arbitrary<SortedSetTarget> = fc
  .record({
    scoreMode: fc.constantFrom(undefined, 'greater' as const, 'lesser' as const),
    writeMode: fc.constantFrom(undefined, 'if_absent' as const, 'if_present' as const),
    maxMembers: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
  })
  // Redis refuses ZADD NX with GT or LT (and so does the table's validation).
  .filter((o) => !(o.writeMode === 'if_absent' && o.scoreMode !== undefined))
  .map((o) => {
    const t: SortedSetTarget = { ...BOARD };
    if (o.scoreMode !== undefined) t.scoreMode = o.scoreMode;
    if (o.writeMode !== undefined) t.writeMode = o.writeMode;
    if (o.maxMembers !== undefined) t.maxMembers = o.maxMembers;
    return t;
  });

/** Members that repeat, text and bytes alike (bytes that are UTF-8 text are that text's member). */
const member = fc.oneof(
  fc.constantFrom('p1', 'p2', 'é', 'p4'),
  fc.constantFrom(Buffer.from('p1'), Buffer.from('é'), Buffer.from([0xff, 0x01])),
);
const score = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, -1.25, 1e3));

describe('score pipeline (sorted sets whose members come from a column)', () => {
  it('score pipeline — rows, rows of bytes and payload rows encode as the commands the writer makes from arrays, byte for byte, flush after flush (property)', () => {
    fc.assert(
      fc.property(
        targetArb,
        fc.array(
          fc.tuple(
            fc.constantFrom('a', 'b', Buffer.from('a')),
            score,
            member,
            fc.constantFrom('row', 'payload', 'bytes'),
          ),
          {
            maxLength: 60,
          },
        ),
        fc.array(fc.string({ maxLength: 20 }), { maxLength: 2 }),
        (target, rows, dead) => {
          const pipe = rowPipeline(target);
          expect(pipe).toBeInstanceOf(ScorePipeline);
          const enc = new RowEncoder(table(target, { format: 'raw', valueColumn: 'm' }));
          const { batch, payloads, want, wantBytes } = arrayFlush(
            target,
            enc,
            rows.map(([k, f, m, how]) => [{ k, f, m }, how] as const),
            true,
            dead,
          );
          // Every row is counted, whether its member kept its score or not.
          const written = want.rowsPerCommand.reduce((a, b) => a + b, 0);
          expect(written).toBe(rows.length);
          const as = rows.map((r) => r[3]);
          for (let flush = 0; flush < 2; flush++) {
            expectFlush(feedPipeline(pipe!, batch, as, payloads, true, dead), want, wantBytes);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('score pipeline — a member repeated within a flush leaves Redis as the rows one by one would, over members already there (property)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        targetArb,
        fc.array(fc.tuple(fc.constantFrom('p1', 'p2', 'p3'), score), { maxLength: 4 }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b'), score, fc.constantFrom('p1', 'p2', 'p3', 'p4')), {
          minLength: 1,
          maxLength: 30,
        }),
        async (target, before, rows) => {
          const name = `sp${++run}`;
          // Without a trim: it runs once after the rows either way.
          const { maxMembers: _, ...untrimmed } = target;
          const t: SortedSetTarget = { ...untrimmed, sortedSetPrefix: `${name}:` };
          const flags = (writerOf(t).grouped!(t)!.flags as string[]).slice();
          const one = (k: string) => `${name}:${k}:one`;
          const many = (k: string) => `${name}:${k}`;
          // The same members there before, in both keys of each pair.
          for (const k of ['a', 'b']) {
            for (const [m, s] of before) {
              await redis.client.send(['ZADD', one(k), s, m]);
              await redis.client.send(['ZADD', many(k), s, m]);
            }
          }
          // One by one, as Redis would apply the rows sent each on its own.
          for (const [k, s, m] of rows) await redis.client.send(['ZADD', one(k), ...flags, s, m]);
          // Through the pipeline: one element per member.
          const pipe = rowPipeline(t)!;
          const enc = new RowEncoder(table(t, { format: 'raw', valueColumn: 'm' }));
          for (const [k, f, m] of rows) {
            expect(enc.encode({ k, f, m })).toBeNull();
            pipe.add(enc.key, enc.field, enc.value);
          }
          const flush = pipe.take();
          const replies = await redis.client.pipelineEncoded(flush);
          expect(replies.filter((r) => r instanceof Error)).toEqual([]);
          for (const k of ['a', 'b']) {
            const want = (await redis.client.send(['ZRANGE', one(k), 0, -1, 'WITHSCORES'])) as Reply[];
            const got = (await redis.client.send(['ZRANGE', many(k), 0, -1, 'WITHSCORES'])) as Reply[];
            expect(got).toEqual(want);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('score pipeline — a removal between two rows of one member keeps both sides apart', () => {
    const pipe = rowPipeline(BOARD)!;
    pipe.add('z:a', '1', 'p1');
    pipe.add('z:a', '2', 'p1');
    pipe.addRemove('z:a', '', 'p1');
    pipe.add('z:a', '3', 'p1');
    const flush = pipe.take();
    expect(Buffer.concat(flush.chunks as Buffer[])).toEqual(
      respReference([
        ['ZADD', 'z:a', '2', 'p1'],
        ['ZREM', 'z:a', 'p1'],
        ['ZADD', 'z:a', '3', 'p1'],
      ]),
    );
    expect(flush.rowsPerCommand).toEqual([2, 1, 1]);
  });

  it('score pipeline — members whole encoded rows, and increments, keep every row', () => {
    const { memberColumn: _, ...base } = BOARD;
    expect(writerOf(base).memberScores!(base)).toBeUndefined();
    expect(rowPipeline(base)).not.toBeInstanceOf(ScorePipeline);
    const incr: SortedSetTarget = { ...base, memberColumn: 'm', scoreMode: 'increment' };
    expect(writerOf(incr).memberScores!(incr)).toBeUndefined();
  });
});
