import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandEncoder } from '../../src/resp/encoder.js';
import { GroupedPipeline } from '../../src/sink/grouped-pipeline.js';
import type { Target } from '../../src/sink/model.js';
import { RowEncoder } from '../../src/sink/row-encoder.js';
import { afterKeyCommands, writerOf } from '../../src/sink/writers/index.js';
import { arrayFlush, expectFlush, feedPipeline, table } from '../support/sink.js';

const targetArb: fc.Arbitrary<Target> = fc.oneof(
  fc.record({
    type: fc.constant('list' as const),
    listPrefix: fc.constantFrom('', 'l:'),
    listKeyColumn: fc.constant('k'),
    operation: fc.constantFrom('Append' as const, 'Prepend' as const),
    maxLength: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
    ttlSecs: fc.option(fc.integer({ min: 1, max: 9999 }), { nil: undefined }),
  }),
  fc.record({
    type: fc.constant('hash' as const),
    hashKeyPrefix: fc.constantFrom('', 'h:'),
    hashKeyColumn: fc.constant('k'),
    hashFieldColumn: fc.constant('f'),
  }),
  fc.record({
    type: fc.constant('set' as const),
    setPrefix: fc.constant('s:'),
    setKeyColumn: fc.constant('k'),
  }),
  fc.record({
    type: fc.constant('sorted_set' as const),
    sortedSetPrefix: fc.constant('z:'),
    sortedSetKeyColumn: fc.constant('k'),
    scoreColumn: fc.constant('f'),
    scoreMode: fc.constantFrom(undefined, 'greater' as const, 'lesser' as const),
    maxMembers: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
  }),
);

/** Key parts that repeat, including bytes that are UTF-8 text and bytes that are not. */
const keyPart = fc.oneof(
  fc.constantFrom('a', 'b', 'é', '{x}'),
  fc.constantFrom(Buffer.from('a'), Buffer.from([0xff, 0x01])),
);
const value = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 30, maxLength: 400 }),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
);

describe('grouped pipeline (lists, hashes, sets, sorted sets on standalone Redis)', () => {
  it('grouped pipeline — rows, rows of bytes and payload rows encode as the commands the writer makes from arrays, byte for byte, flush after flush (property)', () => {
    fc.assert(
      fc.property(
        targetArb,
        fc.array(
          fc.tuple(
            keyPart,
            fc.integer({ min: -5, max: 5 }),
            value,
            fc.constantFrom('row', 'payload', 'bytes'),
          ),
          { maxLength: 60 },
        ),
        fc.array(fc.string({ maxLength: 20 }), { maxLength: 2 }),
        fc.integer({ min: 1, max: 20_000 }),
        (target, rows, dead, zeroCopy) => {
          const w = writerOf(target);
          const grouped = w.grouped!(target)!;
          const withField = w.shape(target).field !== undefined;
          const pipe = new GroupedPipeline(
            new CommandEncoder(zeroCopy),
            grouped.verb,
            grouped.flags,
            withField,
            (key) => afterKeyCommands(target, key, undefined, false),
          );
          const enc = new RowEncoder(table(target, { format: 'raw', valueColumn: 'v' }));
          const { batch, payloads, want, wantBytes } = arrayFlush(
            target,
            enc,
            rows.map(([k, f, v, how]) => [{ k, f, v }, how] as const),
            withField,
            dead,
          );
          // Two flushes of the same rows: the second fills the arenas the first copied, while the
          // first's bytes are still in flight.
          const as = rows.map((r) => r[3]);
          const flushes = [0, 1].map(() => feedPipeline(pipe, batch, as, payloads, withField, dead));
          for (const got of flushes) {
            expectFlush(got, want, wantBytes);
          }
          expect(pipe.take()).toMatchObject({ chunks: [], count: 0 });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('grouped pipeline — a key past 1024 rows is split as the array path splits it', () => {
    const target: Target = { type: 'list', listPrefix: 'l', operation: 'Append', maxLength: 3 };
    const pipe = new GroupedPipeline(new CommandEncoder(), 'RPUSH', [], false, (key) =>
      afterKeyCommands(target, key, undefined, false),
    );
    for (let i = 0; i < 2500; i++) pipe.add('l', '', `v${i}`);
    expect(pipe.take().rowsPerCommand).toEqual([1024, 1024, 452, 0]);
  });
});
