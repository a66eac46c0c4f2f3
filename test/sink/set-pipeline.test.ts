import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodedCommandAt } from '../../src/resp/encoded-commands.js';
import { CommandEncoder } from '../../src/resp/encoder.js';
import type { Arg } from '../../src/resp/reply.js';
import type { PayloadRow } from '../../src/sink/encoded-row.js';
import { perRowPipeline } from '../../src/sink/per-row-pipeline.js';
import { writerOf } from '../../src/sink/writers/index.js';
import { decodeKeyedRows, EncodedRow, keyedPayload } from '../../src/wire/keyed-rows.js';
import { respReference } from '../support/resp-reference.js';
import { addReused } from '../support/sink.js';

const part: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 30, maxLength: 400 }),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  fc.uint8Array({ minLength: 1000, maxLength: 40_000 }).map((a) => Buffer.from(a)),
);

const bytesOf = (p: string | Buffer) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p);

describe('set pipeline (string tables on standalone Redis)', () => {
  it('set pipeline — rows, rows of bytes and payload rows encode as the SET commands the sink would send, byte for byte (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(part, part, fc.boolean(), fc.boolean()), { maxLength: 30 }),
        fc.option(fc.integer({ min: 1, max: 10_000_000 }), { nil: undefined }),
        fc.integer({ min: 1, max: 300_000 }),
        fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }),
        (rows, ttl, zeroCopy, dead) => {
          const sets = perRowPipeline(
            { type: 'string', keyPrefix: 's:', ttlSecs: ttl },
            new CommandEncoder(zeroCopy),
          )!;
          // Keyed rows as a worker has them: decoded from a producer's payload.
          const keyed = rows.filter((r) => r[2]);
          const payload = keyedPayload(
            keyed.map(([k, v]) => new EncodedRow(k, '', v)),
            false,
          );
          const decoded = decodeKeyedRows(payload, keyed.length) as PayloadRow[];
          let next = 0;
          const want: Arg[][] = [];
          for (const [k, v, asPayload, asBytes] of rows) {
            if (asPayload) sets.addPayload(decoded[next++]);
            else if (asBytes) addReused(sets, k, '', v);
            else sets.add(k, '', v);
            want.push(
              ttl === undefined
                ? ['SET', bytesOf(k), bytesOf(v)]
                : ['SET', bytesOf(k), bytesOf(v), 'EX', String(ttl)],
            );
          }
          if (dead.length > 0) {
            sets.addCommand(['RPUSH', 't:dead_letter', ...dead]);
            want.push(['RPUSH', 't:dead_letter', ...dead]);
          }
          const got = sets.take();
          expect(got.count).toBe(want.length);
          expect(Buffer.concat(got.chunks as Buffer[])).toEqual(respReference(want));
          // Every command reads back, as an error message about it would show it.
          for (let i = 0; i < want.length; i++) {
            expect(encodedCommandAt(got, i)).toEqual(want[i].map((a) => bytesOf(a as string | Buffer)));
          }
          expect(sets.take()).toMatchObject({ chunks: [], count: 0 });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('set pipeline — a command past the end, or bytes that are not commands, are protocol errors', () => {
    const sets = perRowPipeline({ type: 'string', keyPrefix: 's:' })!;
    sets.add('k', '', 'v');
    const got = sets.take();
    expect(() => encodedCommandAt(got, 1)).toThrow(/past the end/);
    expect(() => encodedCommandAt({ chunks: [Buffer.from('+OK\r\n')], count: 1, name: 'SET' }, 0)).toThrow(
      /expected '\*'/,
    );
  });
});

describe('direct SET writes', () => {
  it('direct SET writes — only string tables encode rows straight into a SET pipeline, with their TTL', () => {
    const str = { type: 'string' as const, keyPrefix: 's:', keyColumn: 'k', ttlSecs: 60 };
    expect(writerOf(str).perRow?.(str)).toEqual({ verb: 'SET', tail: ['EX', '60'], remove: 'DEL' });
    const noTtl = { type: 'string' as const, keyPrefix: 's:' };
    expect(writerOf(noTtl).perRow?.(noTtl)).toEqual({ verb: 'SET', tail: [], remove: 'DEL' });
    const list = { type: 'list' as const, listPrefix: 'l:', operation: 'Append' as const };
    expect(writerOf(list).perRow).toBeUndefined();
    const hash = { type: 'hash' as const, hashKeyPrefix: 'h:', hashFieldColumn: 'f' };
    expect(writerOf(hash).perRow).toBeUndefined();
  });
});
