import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgumentTooLargeError, CommandEncoder, InvalidArgumentError } from '../../src/resp/encoder.js';
import type { Arg } from '../../src/resp/reply.js';

/** Straightforward reference encoding, written independently of the encoder's tricks. */
function reference(commands: Arg[][]): Buffer {
  const parts: Buffer[] = [];
  for (const cmd of commands) {
    parts.push(Buffer.from(`*${cmd.length}\r\n`));
    for (const a of cmd) {
      let bytes: Buffer;
      if (typeof a === 'string') bytes = Buffer.from(a, 'utf8');
      else if (Buffer.isBuffer(a)) bytes = a;
      else if (typeof a === 'number' && !Number.isFinite(a)) bytes = Buffer.from(a > 0 ? '+inf' : '-inf');
      else bytes = Buffer.from(String(a));
      parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
    }
  }
  return Buffer.concat(parts);
}

function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

function encodeAll(commands: Arg[][], zeroCopy?: number): Buffer[] {
  const enc = new CommandEncoder(zeroCopy);
  for (const c of commands) enc.encode(c);
  return enc.take();
}

const arg: fc.Arbitrary<Arg> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ minLength: 90, maxLength: 400 }),
  fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.bigInt(),
);

describe('encoder', () => {
  it('encoder — SET as a RESP array of bulk strings', () => {
    const out = Buffer.concat(encodeAll([['SET', 'k', 'v']]));
    expect(out.toString()).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n');
  });

  it('encoder — numbers, bigint and infinities as text', () => {
    const out = Buffer.concat(encodeAll([['X', 42, -1.5, 2n ** 70n, Number.POSITIVE_INFINITY]]));
    expect(out.toString()).toBe(
      `*5\r\n$1\r\nX\r\n$2\r\n42\r\n$4\r\n-1.5\r\n$22\r\n${2n ** 70n}\r\n$4\r\n+inf\r\n`,
    );
  });

  it('encoder — multi-byte UTF-8 lengths are byte lengths at every width boundary', () => {
    for (const len of [0, 1, 3, 4, 9, 10, 33, 34, 99, 100, 333, 334, 999, 1000, 3333, 3334, 10_000]) {
      for (const ch of ['a', 'é', '€', '😀']) {
        const s = ch.repeat(Math.ceil(len / ch.length)).slice(0, len);
        const cmd: Arg[] = ['SET', s];
        expect(Buffer.concat(encodeAll([cmd]))).toEqual(reference([cmd]));
      }
    }
  });

  it('encoder — large Buffers are passed by reference, not copied', () => {
    const big = Buffer.alloc(64 * 1024, 7);
    const chunks = encodeAll([['SET', 'k', big]], 16 * 1024);
    expect(chunks.some((c) => c === big)).toBe(true);
    expect(Buffer.concat(chunks)).toEqual(reference([['SET', 'k', big]]));
  });

  it('encoder — with a zero-copy threshold of 0 every Buffer is passed by reference', () => {
    const small = Buffer.from('tiny');
    const chunks = encodeAll([['SET', 'k', small]], 0);
    expect(chunks.some((c) => c === small)).toBe(true);
    expect(Buffer.concat(chunks)).toEqual(reference([['SET', 'k', small]]));
  });

  it('encoder — a bad argument throws and leaves earlier commands intact', () => {
    const enc = new CommandEncoder(8);
    enc.encode(['SET', 'a', Buffer.alloc(32, 1)]);
    expect(() => enc.encode(['SET', 'b', Number.NaN])).toThrow(InvalidArgumentError);
    expect(() => enc.encode(['SET', 'b', {} as unknown as string])).toThrow(/argument 2 has type object/);
    expect(() =>
      enc.encodeMany([
        ['SET', 'c', 'ok'],
        ['SET', null as unknown as string],
      ]),
    ).toThrow(InvalidArgumentError);
    enc.encode(['GET', 'a']);
    expect(Buffer.concat(enc.take())).toEqual(
      reference([
        ['SET', 'a', Buffer.alloc(32, 1)],
        ['GET', 'a'],
      ]),
    );
  });

  it('encoder — an argument above maxArgumentLength throws naming the bound, and nothing of its batch is kept', () => {
    const enc = new CommandEncoder(8, 10);
    enc.encode(['SET', 'a', Buffer.alloc(10, 1)]);
    enc.encode(['SET', 'b', 'x'.repeat(10)]);
    const big = thrown(() => enc.encode(['SET', 'c', Buffer.alloc(11, 1)]));
    expect(big).toBeInstanceOf(ArgumentTooLargeError);
    expect(big).toBeInstanceOf(InvalidArgumentError);
    expect(big).toMatchObject({ code: 'ERR_ARGUMENT_TOO_LARGE', index: 2, bytes: 11, limit: 10 });
    expect((big as Error).message).toMatch(/11 bytes, above maxArgumentLength \(10 bytes/);
    // Six characters, twelve UTF-8 bytes: strings are measured in bytes.
    expect(thrown(() => enc.encode(['SET', 'é'.repeat(6), 'v']))).toMatchObject({ bytes: 12, index: 1 });
    expect(
      thrown(() =>
        enc.encodeMany([
          ['SET', 'd', 'ok'],
          ['RPUSH', 'l', 'x', Buffer.alloc(11)],
        ]),
      ),
    ).toMatchObject({ code: 'ERR_ARGUMENT_TOO_LARGE', commandIndex: 1, index: 3 });
    expect(Buffer.concat(enc.take())).toEqual(
      reference([
        ['SET', 'a', Buffer.alloc(10, 1)],
        ['SET', 'b', 'x'.repeat(10)],
      ]),
    );
  });

  it('encoder — property: any commands encode exactly like the reference, across arena blocks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(arg, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 128 }),
        (commands, zeroCopy) => {
          expect(Buffer.concat(encodeAll(commands, zeroCopy))).toEqual(reference(commands));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('encoder — property: interleaved take() calls lose and repeat nothing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(arg, { minLength: 1, maxLength: 4 }), fc.boolean()), { maxLength: 60 }),
        (steps) => {
          const enc = new CommandEncoder(32);
          const out: Buffer[] = [];
          for (const [cmd, takeNow] of steps) {
            enc.encode(cmd);
            if (takeNow) out.push(...enc.take());
          }
          out.push(...enc.take());
          expect(enc.pendingBytes).toBe(0);
          expect(Buffer.concat(out)).toEqual(reference(steps.map((s) => s[0])));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('encoder — filling many arena blocks keeps every byte', () => {
    const cmds: Arg[][] = [];
    for (let i = 0; i < 20_000; i++) cmds.push(['SET', `key:${i}`, 'x'.repeat(i % 300)]);
    // Buffer#equals: vitest's deep equality walks big buffers byte by byte.
    expect(Buffer.concat(encodeAll(cmds)).equals(reference(cmds))).toBe(true);
  });
});
