import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RowEncoding, WriteRequest } from '../../src/wire/gen/laminar/redis/v1/ingest.js';
import { serializeWriteRequest } from '../../src/wire/ingest-wire.js';

describe('ingest wire', () => {
  it('the producer serializer gives the generated encoding byte for byte, and it decodes back (property)', () => {
    const batch = fc.record({
      seq: fc.oneof(fc.constant(0), fc.nat(), fc.maxSafeNat()),
      rows: fc.oneof(fc.constant(0), fc.nat({ max: 2 ** 32 - 1 })),
      encoding: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<RowEncoding>,
      payload: fc.oneof(
        fc.constant(Buffer.alloc(0)),
        fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
        fc.integer({ min: 16_000, max: 70_000 }).map((n) => Buffer.alloc(n, 7)),
      ),
      // Empty (every row an insert) most often, as producers send it; else one kind per row,
      // up to lengths whose varint takes two and three bytes.
      kinds: fc.oneof(
        { weight: 3, arbitrary: fc.constant(Buffer.alloc(0)) },
        fc.uint8Array({ minLength: 1, maxLength: 300, max: 3 }).map((a) => Buffer.from(a)),
        fc.integer({ min: 16_000, max: 20_000 }).map((n) => Buffer.alloc(n, 3)),
      ),
    });
    const request: fc.Arbitrary<WriteRequest> = fc.oneof(
      batch.map((value) => ({ kind: { $case: 'batch' as const, value } })),
      fc.constant({ kind: { $case: 'flush' as const, value: {} } }),
      fc.record({ tableId: fc.string(), shard: fc.nat(), producerId: fc.string() }).map((value) => ({
        kind: { $case: 'open' as const, value },
      })),
    );
    fc.assert(
      fc.property(request, (req) => {
        const fast = serializeWriteRequest(req);
        expect(fast.equals(Buffer.from(WriteRequest.encode(req).finish()))).toBe(true);
        const back = WriteRequest.decode(fast);
        if (req.kind?.$case === 'batch' && back.kind?.$case === 'batch') {
          const got = back.kind.value;
          expect({ ...got, payload: Buffer.from(got.payload), kinds: Buffer.from(got.kinds) }).toEqual(
            req.kind.value,
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});
