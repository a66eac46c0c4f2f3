import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgArena } from '../../src/resp/arg-arena.js';

/** `$<bytes>\r\n<bytes>\r\n` for each argument, as RESP writes a bulk string. */
function reference(args: readonly (string | Buffer)[]): Buffer {
  return Buffer.concat(
    args.map((a) => {
      const b = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
      return Buffer.concat([Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')]);
    }),
  );
}

describe('arg arena', () => {
  it('arg arena — any texts (multi-byte and lone surrogates included) encode as RESP bulk strings, byte for byte, whatever room the buffer has left (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.array(
          fc.oneof(
            fc.string({ unit: 'grapheme', maxLength: 120 }),
            fc.string({ unit: 'binary', maxLength: 200 }),
            fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', '\ud800'), maxLength: 90 }),
            // Short texts, ASCII or not past their first characters (the byte by byte path).
            fc.string({ unit: fc.constantFrom('a', '~', '\x00', '\x7f', '\x80', 'é'), maxLength: 12 }),
            fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
          ),
          { maxLength: 40 },
        ),
        (initial, args) => {
          const arena = new ArgArena(initial);
          for (const a of args) arena.arg(a);
          expect(arena.count).toBe(args.length);
          expect(Buffer.from(arena.bytes())).toEqual(reference(args));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
