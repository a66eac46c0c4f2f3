import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/resp/errors.js';
import {
  byteByByte,
  decodeChunks,
  describeEvents,
  encodeResp3,
  expectedEvents,
  type Resp3Value,
  record,
  resp3Value,
  splitAt,
} from '../support/resp3-value-encoder.js';

const splitPoints = fc.array(fc.nat(), { maxLength: 12 });

describe('decoder properties', () => {
  it('decoder — any RESP3 value round-trips, whole and split at arbitrary points', () => {
    fc.assert(
      fc.property(resp3Value, splitPoints, fc.boolean(), (value, points, returnBuffers) => {
        const wire = encodeResp3(value);
        const expected = describeEvents(expectedEvents([value], returnBuffers));
        expect(decodeChunks([wire], { returnBuffers })).toEqual(expected);
        expect(
          decodeChunks(
            splitAt(
              wire,
              points.map((p) => p % (wire.length + 1)),
            ),
            { returnBuffers },
          ),
        ).toEqual(expected);
      }),
      { numRuns: 600 },
    );
  });

  it('decoder — any RESP3 value round-trips byte by byte', () => {
    fc.assert(
      fc.property(resp3Value, (value) => {
        const wire = encodeResp3(value);
        expect(decodeChunks(byteByByte(wire))).toEqual(describeEvents(expectedEvents([value])));
      }),
      { numRuns: 200 },
    );
  });

  it('decoder — one stream of many replies split at arbitrary points decodes to the same replies', () => {
    fc.assert(
      fc.property(fc.array(resp3Value, { minLength: 1, maxLength: 25 }), splitPoints, (values, points) => {
        const wire = encodeResp3(...values);
        const chunks = splitAt(
          wire,
          points.map((p) => p % (wire.length + 1)),
        );
        expect(decodeChunks(chunks)).toEqual(describeEvents(expectedEvents(values)));
      }),
      { numRuns: 300 },
    );
  });

  it('decoder — stream read replies of many entries, split anywhere, decode to the same replies', () => {
    // Long aggregates nested three deep, like an XREADGROUP reply: a split lands deep inside, after
    // many parsed entries, so the fast path hands its partial aggregates to the slow path.
    const bulk = (text: string): Resp3Value => ({ type: 'bulk', value: Buffer.from(text, 'utf8') });
    const entry = fc
      .tuple(
        fc.nat(),
        fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 40 })), { maxLength: 3 }),
        fc.boolean(),
      )
      .map(
        ([seq, fields, deleted]): Resp3Value => ({
          type: 'array',
          items: [
            bulk(`1765000000000-${seq}`),
            deleted
              ? { type: 'null', form: '*-1' }
              : { type: 'array', items: fields.flatMap(([f, v]) => [bulk(f), bulk(v)]) },
          ],
        }),
      );
    const reply = fc.tuple(fc.array(entry, { minLength: 1, maxLength: 300 }), fc.boolean()).map(
      ([entries, resp3]): Resp3Value =>
        resp3
          ? { type: 'map', entries: [[bulk('bs:0'), { type: 'array', items: entries }]] }
          : {
              type: 'array',
              items: [{ type: 'array', items: [bulk('bs:0'), { type: 'array', items: entries }] }],
            },
    );
    fc.assert(
      fc.property(fc.array(reply, { minLength: 1, maxLength: 3 }), splitPoints, (values, points) => {
        const wire = encodeResp3(...values);
        const chunks = splitAt(
          wire,
          points.map((p) => p % (wire.length + 1)),
        );
        expect(decodeChunks(chunks)).toEqual(describeEvents(expectedEvents(values)));
      }),
      { numRuns: 300 },
    );
  });

  it('decoder — random bytes yield replies or a ProtocolError, never another throw or a hang', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), splitPoints, (bytes, points) => {
        const { decoder } = record({ maxBulkLength: 1 << 20 });
        try {
          for (const c of splitAt(Buffer.from(bytes), points)) decoder.feed(c);
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
          expect((err as ProtocolError).code).toBe('ERR_PROTOCOL');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('decoder — corrupted valid streams yield replies or a ProtocolError, never another throw', () => {
    const corruption = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 4,
    });
    fc.assert(
      fc.property(
        fc.array(resp3Value, { minLength: 1, maxLength: 5 }),
        corruption,
        splitPoints,
        (values, edits, points) => {
          const wire = Buffer.from(encodeResp3(...values));
          for (const [at, byte] of edits) wire[at % wire.length] = byte;
          const { decoder } = record();
          try {
            for (const c of splitAt(
              wire,
              points.map((p) => p % (wire.length + 1)),
            ))
              decoder.feed(c);
          } catch (err) {
            expect(err).toBeInstanceOf(ProtocolError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('decoder — protocol bytes typed by a random generator of RESP tokens never escape as other errors', () => {
    const token = fc.constantFrom(
      '*',
      '%',
      '~',
      '>',
      '|',
      '$',
      '!',
      '=',
      ':',
      '+',
      '-',
      ',',
      '#',
      '(',
      '_',
      ';',
      '.',
      '?',
      '-1',
      '0',
      '1',
      '2',
      '3',
      '\r\n',
      '\r',
      '\n',
      'a',
      'txt:',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), splitPoints, (tokens, points) => {
        const { decoder } = record({ maxDepth: 8 });
        try {
          for (const c of splitAt(Buffer.from(tokens.join('')), points)) decoder.feed(c);
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
