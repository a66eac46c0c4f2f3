import { describe, expect, it } from 'vitest';
import { Decoder } from '../../src/resp/decoder.js';
import { AskError, MovedError, ProtocolError, ReplyError, toReplyError } from '../../src/resp/errors.js';
import type { Reply } from '../../src/resp/reply.js';
import {
  byteByByte,
  chunkings,
  type DecoderEvent,
  decodeChunks,
  describeEvents,
  record,
  splitAt,
  thrown,
} from '../support/resp3-value-encoder.js';

const reply = (value: Reply): DecoderEvent => ({ kind: 'reply', value });
const push = (value: Reply[]): DecoderEvent => ({ kind: 'push', value });
const attribute = (value: Map<Reply, Reply>): DecoderEvent => ({ kind: 'attribute', value });

interface Case {
  name: string;
  wire: string | Buffer;
  events: DecoderEvent[];
  returnBuffers?: boolean;
}

/** Every RESP2/RESP3 type and null form, from the RESP3 specification's own examples where it has them. */
const CASES: Case[] = [
  { name: 'simple string +OK', wire: '+OK\r\n', events: [reply('OK')] },
  { name: 'simple string with spaces', wire: '+hello world\r\n', events: [reply('hello world')] },
  { name: 'empty simple string', wire: '+\r\n', events: [reply('')] },
  { name: 'simple string in UTF-8', wire: '+héllo €\r\n', events: [reply('héllo €')] },
  {
    name: 'simple string stays a string with returnBuffers',
    wire: '+OK\r\n',
    events: [reply('OK')],
    returnBuffers: true,
  },
  { name: 'error', wire: '-ERR unknown command\r\n', events: [reply(toReplyError('ERR unknown command'))] },
  {
    name: 'WRONGTYPE error',
    wire: '-WRONGTYPE Operation against a key\r\n',
    events: [reply(toReplyError('WRONGTYPE Operation against a key'))],
  },
  {
    name: 'MOVED error',
    wire: '-MOVED 3999 127.0.0.1:6381\r\n',
    events: [reply(new MovedError('MOVED 3999 127.0.0.1:6381', 3999, '127.0.0.1', 6381))],
  },
  {
    name: 'ASK error',
    wire: '-ASK 3999 127.0.0.1:6381\r\n',
    events: [reply(new AskError('ASK 3999 127.0.0.1:6381', 3999, '127.0.0.1', 6381))],
  },
  { name: 'integer zero', wire: ':0\r\n', events: [reply(0)] },
  { name: 'negative integer', wire: ':-42\r\n', events: [reply(-42)] },
  { name: 'integer 2^53-1 is a number', wire: ':9007199254740991\r\n', events: [reply(9007199254740991)] },
  {
    name: 'integer -(2^53-1) is a number',
    wire: ':-9007199254740991\r\n',
    events: [reply(-9007199254740991)],
  },
  { name: 'integer 2^53 is a bigint', wire: ':9007199254740992\r\n', events: [reply(9007199254740992n)] },
  { name: 'integer -2^53 is a bigint', wire: ':-9007199254740992\r\n', events: [reply(-9007199254740992n)] },
  {
    name: 'integer 2^63-1 is exact',
    wire: ':9223372036854775807\r\n',
    events: [reply(9223372036854775807n)],
  },
  {
    name: '16-digit integer below 2^53 is a number',
    wire: ':1000000000000000\r\n',
    events: [reply(1000000000000000)],
  },
  { name: 'bulk string', wire: '$5\r\nhello\r\n', events: [reply('hello')] },
  { name: 'empty bulk string', wire: '$0\r\n\r\n', events: [reply('')] },
  { name: 'bulk string holding CRLF', wire: '$6\r\na\r\nb\r\n\r\n', events: [reply('a\r\nb\r\n')] },
  { name: 'bulk string in UTF-8', wire: '$10\r\n€uro😀\r\n', events: [reply('€uro😀')] },
  {
    name: 'bulk string as Buffer',
    wire: Buffer.from([0x24, 0x34, 13, 10, 0x00, 0xff, 0x0d, 0x80, 13, 10]),
    events: [reply(Buffer.from([0x00, 0xff, 0x0d, 0x80]))],
    returnBuffers: true,
  },
  {
    name: 'empty bulk string as Buffer',
    wire: '$0\r\n\r\n',
    events: [reply(Buffer.alloc(0))],
    returnBuffers: true,
  },
  { name: 'null bulk string $-1', wire: '$-1\r\n', events: [reply(null)] },
  { name: 'null array *-1', wire: '*-1\r\n', events: [reply(null)] },
  { name: 'RESP3 null _', wire: '_\r\n', events: [reply(null)] },
  { name: 'double', wire: ',1.23\r\n', events: [reply(1.23)] },
  { name: 'negative double', wire: ',-0.25\r\n', events: [reply(-0.25)] },
  { name: 'double without fraction', wire: ',10\r\n', events: [reply(10)] },
  { name: 'double with exponent', wire: ',1.5e+21\r\n', events: [reply(1.5e21)] },
  { name: 'double inf', wire: ',inf\r\n', events: [reply(Number.POSITIVE_INFINITY)] },
  { name: 'double -inf', wire: ',-inf\r\n', events: [reply(Number.NEGATIVE_INFINITY)] },
  { name: 'double nan', wire: ',nan\r\n', events: [reply(Number.NaN)] },
  { name: 'boolean true', wire: '#t\r\n', events: [reply(true)] },
  { name: 'boolean false', wire: '#f\r\n', events: [reply(false)] },
  {
    name: 'big number',
    wire: '(3492890328409238509324850943850943825024385\r\n',
    events: [reply(3492890328409238509324850943850943825024385n)],
  },
  { name: 'negative big number', wire: '(-12\r\n', events: [reply(-12n)] },
  { name: 'verbatim string drops txt:', wire: '=15\r\ntxt:Some string\r\n', events: [reply('Some string')] },
  { name: 'verbatim string drops mkd:', wire: '=6\r\nmkd:**\r\n', events: [reply('**')] },
  { name: 'empty verbatim string', wire: '=4\r\ntxt:\r\n', events: [reply('')] },
  {
    name: 'verbatim string as Buffer',
    wire: '=7\r\ntxt:a\r\n\r\n',
    events: [reply(Buffer.from('a\r\n'))],
    returnBuffers: true,
  },
  {
    name: 'blob error',
    wire: '!21\r\nSYNTAX invalid syntax\r\n',
    events: [reply(toReplyError('SYNTAX invalid syntax'))],
  },
  {
    name: 'blob error with CRLF inside',
    wire: '!8\r\nERR a\r\nb\r\n',
    events: [reply(toReplyError('ERR a\r\nb'))],
  },
  { name: 'array', wire: '*2\r\n$3\r\nfoo\r\n:1\r\n', events: [reply(['foo', 1])] },
  { name: 'empty array', wire: '*0\r\n', events: [reply([])] },
  {
    name: 'nested array with nulls',
    wire: '*3\r\n*2\r\n:1\r\n:2\r\n*-1\r\n*2\r\n$-1\r\n_\r\n',
    events: [reply([[1, 2], null, [null, null]])],
  },
  {
    name: 'EXEC-like array holding an error',
    wire: '*2\r\n+OK\r\n-WRONGTYPE bad\r\n',
    events: [reply(['OK', toReplyError('WRONGTYPE bad')])],
  },
  {
    name: 'map',
    wire: '%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n',
    events: [
      reply(
        new Map<Reply, Reply>([
          ['first', 1],
          ['second', 2],
        ]),
      ),
    ],
  },
  { name: 'empty map', wire: '%0\r\n', events: [reply(new Map())] },
  {
    name: 'map with aggregate values',
    wire: '%1\r\n$1\r\nk\r\n*1\r\n#t\r\n',
    events: [reply(new Map([['k', [true]]]))],
  },
  {
    name: 'set',
    wire: '~3\r\n+orange\r\n+apple\r\n#t\r\n',
    events: [reply(new Set<Reply>(['orange', 'apple', true]))],
  },
  { name: 'set collapses duplicates', wire: '~2\r\n:1\r\n:1\r\n', events: [reply(new Set<Reply>([1]))] },
  { name: 'empty set', wire: '~0\r\n', events: [reply(new Set())] },
  {
    name: 'push at top level goes to onPush',
    wire: '>3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$5\r\nhello\r\n',
    events: [push(['message', 'chan', 'hello'])],
  },
  { name: 'empty push', wire: '>0\r\n', events: [push([])] },
  { name: 'nested push is an array', wire: '*1\r\n>1\r\n:1\r\n', events: [reply([[1]])] },
  {
    name: 'attribute before a reply (spec example)',
    wire: '|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n',
    events: [
      attribute(
        new Map<Reply, Reply>([
          [
            'key-popularity',
            new Map<Reply, Reply>([
              ['a', 0.1923],
              ['b', 0.0012],
            ]),
          ],
        ]),
      ),
      reply([2039123, 9543892]),
    ],
  },
  {
    name: 'attribute nested before an element',
    wire: '*2\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n:2\r\n',
    events: [attribute(new Map([['ttl', 3600]])), reply([1, 2])],
  },
  {
    name: 'attribute before a map value',
    wire: '%1\r\n+k\r\n|1\r\n+a\r\n+b\r\n+v\r\n',
    events: [attribute(new Map([['a', 'b']])), reply(new Map([['k', 'v']]))],
  },
  { name: 'empty attribute', wire: '|0\r\n:7\r\n', events: [attribute(new Map()), reply(7)] },
  {
    name: 'attribute before a push',
    wire: '|1\r\n+a\r\n+b\r\n>1\r\n+x\r\n',
    events: [attribute(new Map([['a', 'b']])), push(['x'])],
  },
  {
    name: 'streamed string (spec example)',
    wire: '$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n',
    events: [reply('Hello word')],
  },
  { name: 'empty streamed string', wire: '$?\r\n;0\r\n', events: [reply('')] },
  {
    name: 'streamed string joins UTF-8 split between parts',
    wire: Buffer.concat([
      Buffer.from('$?\r\n;1\r\n'),
      Buffer.from([0xe2]),
      Buffer.from('\r\n;2\r\n'),
      Buffer.from([0x82, 0xac]),
      Buffer.from('\r\n;0\r\n'),
    ]),
    events: [reply('€')],
  },
  {
    name: 'streamed string as Buffer',
    wire: '$?\r\n;2\r\nab\r\n;1\r\nc\r\n;0\r\n',
    events: [reply(Buffer.from('abc'))],
    returnBuffers: true,
  },
  { name: 'streamed array', wire: '*?\r\n:1\r\n:2\r\n:3\r\n.\r\n', events: [reply([1, 2, 3])] },
  { name: 'empty streamed array', wire: '*?\r\n.\r\n', events: [reply([])] },
  {
    name: 'streamed map',
    wire: '%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n.\r\n',
    events: [
      reply(
        new Map<Reply, Reply>([
          ['a', 1],
          ['b', 2],
        ]),
      ),
    ],
  },
  { name: 'streamed set', wire: '~?\r\n+a\r\n+b\r\n.\r\n', events: [reply(new Set(['a', 'b']))] },
  {
    name: 'streamed aggregates nested',
    wire: '*?\r\n*?\r\n:1\r\n.\r\n*2\r\n$?\r\n;1\r\nx\r\n;0\r\n_\r\n.\r\n',
    events: [reply([[1], ['x', null]])],
  },
  {
    name: 'many replies in one stream',
    wire: '+OK\r\n:1\r\n$1\r\na\r\n*1\r\n+b\r\n>1\r\n+p\r\n-ERR x\r\n+OK\r\n',
    events: [
      reply('OK'),
      reply(1),
      reply('a'),
      reply(['b']),
      push(['p']),
      reply(toReplyError('ERR x')),
      reply('OK'),
    ],
  },
];

describe('decoder protocol cases', () => {
  for (const c of CASES) {
    const wire = typeof c.wire === 'string' ? Buffer.from(c.wire, 'utf8') : c.wire;
    const expected = describeEvents(c.events);
    it(`decoder — ${c.name}: whole, byte by byte and at every split point`, () => {
      for (const { name, chunks } of chunkings(wire)) {
        expect(decodeChunks(chunks, { returnBuffers: c.returnBuffers }), name).toEqual(expected);
      }
    });
  }
});

/** Input that breaks the protocol, each expected to fail with a ProtocolError. */
const BROKEN: [string, string][] = [
  ['unknown type byte', 'x\r\n'],
  ['streamed part outside a streamed string', ';3\r\nabc\r\n'],
  ['end marker at top level', '.\r\n'],
  ['end marker in a counted array', '*2\r\n:1\r\n.\r\n'],
  ['end marker between a map key and its value', '%?\r\n+a\r\n.\r\n'],
  ['non-digit in an integer', ':12a\r\n'],
  ['integer without digits', ':\r\n'],
  ['integer with only a sign', ':-\r\n'],
  ['non-digit in a length', '$1x\r\na\r\n'],
  ['empty length', '$\r\n\r\n'],
  ['negative length other than -1', '$-2\r\n'],
  ['length with sign', '*+1\r\n:1\r\n'],
  ['bulk payload longer than declared', '$3\r\nabcd\r\n'],
  ['bulk payload shorter than declared', '$5\r\nabc\r\n+OK\r\n'],
  ['null blob error', '!-1\r\n'],
  ['null verbatim string', '=-1\r\n'],
  ['null map', '%-1\r\n'],
  ['null set', '~-1\r\n'],
  ['null push', '>-1\r\n'],
  ['streamed push', '>?\r\n.\r\n'],
  ['streamed attribute', '|?\r\n.\r\n'],
  ['streamed blob error', '!?\r\n'],
  ['verbatim string shorter than its format', '=3\r\ntxt\r\n'],
  ['verbatim string without colon', '=5\r\ntxt!a\r\n'],
  ['non-chunk inside a streamed string', '$?\r\n+a\r\n'],
  ['negative streamed part length', '$?\r\n;-1\r\n'],
  ['malformed boolean', '#x\r\n'],
  ['long boolean', '#tt\r\n'],
  ['null with payload', '_x\r\n'],
  ['malformed double', ',1.2.3\r\n'],
  ['empty double', ',\r\n'],
  ['hex double', ',0x10\r\n'],
  ['malformed big number', '(12a\r\n'],
  ['empty big number', '(\r\n'],
  ['CR inside a simple string', '+a\rb\r\n'],
  ['CR without LF after a header', '*1\rx'],
  ['length beyond 2^32-1', '*4294967296\r\n'],
  ['garbage after a valid reply', '+OK\r\n\x00'],
];

function protocolErrorOf(chunks: Buffer[]): ProtocolError {
  const { decoder } = record();
  const err = thrown(() => {
    for (const c of chunks) decoder.feed(c);
  });
  expect(err).toBeInstanceOf(ProtocolError);
  return err as ProtocolError;
}

describe('decoder protocol violations', () => {
  for (const [name, wire] of BROKEN) {
    it(`decoder — ${name} is a ProtocolError, whole and byte by byte`, () => {
      const buf = Buffer.from(wire, 'latin1');
      expect(protocolErrorOf([buf]).code).toBe('ERR_PROTOCOL');
      expect(protocolErrorOf(byteByByte(buf)).code).toBe('ERR_PROTOCOL');
      expect(protocolErrorOf(splitAt(buf, [2])).code).toBe('ERR_PROTOCOL');
    });
  }
});

function nested(depth: number): Buffer {
  return Buffer.from('*1\r\n'.repeat(depth) + ':1\r\n');
}

describe('decoder bounds', () => {
  it('decoder — 64 nested aggregates pass by default, whole and byte by byte', () => {
    let expected: Reply = 1;
    for (let i = 0; i < 64; i++) expected = [expected];
    const want = describeEvents([reply(expected)]);
    expect(decodeChunks([nested(64)])).toEqual(want);
    expect(decodeChunks(byteByByte(nested(64)))).toEqual(want);
  });

  it('decoder — nesting beyond maxDepth is a ProtocolError, whole and byte by byte', () => {
    expect(protocolErrorOf([nested(65)]).code).toBe('ERR_PROTOCOL');
    expect(protocolErrorOf(byteByByte(nested(65))).code).toBe('ERR_PROTOCOL');
    const { decoder } = record({ maxDepth: 2 });
    expect(() => decoder.feed(Buffer.from('%1\r\n+k\r\n~1\r\n*0\r\n'))).toThrow(ProtocolError);
    const ok = record({ maxDepth: 2 });
    ok.decoder.feed(Buffer.from('%1\r\n+k\r\n~1\r\n:0\r\n'));
    expect(ok.events).toHaveLength(1);
  });

  it('decoder — attributes count towards the nesting bound', () => {
    const { decoder } = record({ maxDepth: 1 });
    expect(() => decoder.feed(Buffer.from('*1\r\n|1\r\n+a\r\n+b\r\n:1\r\n'))).toThrow(ProtocolError);
  });

  it('decoder — a hostile nesting of 100k levels is a ProtocolError, not a stack overflow', () => {
    const err = protocolErrorOf([nested(100_000)]);
    expect(err.code).toBe('ERR_PROTOCOL');
    const { decoder, events } = record({ maxDepth: 100_000 });
    // With a huge bound, deep values go to the slow path's explicit stack instead of recursing.
    decoder.feed(Buffer.from('*1\r\n'.repeat(20_000) + ':1\r\n'));
    expect(events).toHaveLength(1);
    let value = events[0].value;
    let depth = 0;
    while (Array.isArray(value) && value.length === 1) {
      value = value[0];
      depth++;
    }
    expect([depth, value]).toEqual([20_000, 1]);
  });

  it('decoder — a bulk length above maxBulkLength is a ProtocolError before any payload', () => {
    const small = record({ maxBulkLength: 10 });
    small.decoder.feed(Buffer.from('$10\r\n0123456789\r\n'));
    expect(small.events).toHaveLength(1);
    expect(() => small.decoder.feed(Buffer.from('$11\r\n'))).toThrow(ProtocolError);
    expect(protocolErrorOf([Buffer.from(`$${512 * 1024 * 1024 + 1}\r\n`)]).code).toBe('ERR_PROTOCOL');
    const atLimit = record();
    atLimit.decoder.feed(Buffer.from(`$${512 * 1024 * 1024}\r\n`));
    expect(atLimit.decoder.hasPartial).toBe(true);
  });

  it('decoder — blob errors and verbatim strings obey maxBulkLength too', () => {
    for (const wire of ['!11\r\n', '=11\r\n']) {
      const { decoder } = record({ maxBulkLength: 10 });
      expect(() => decoder.feed(Buffer.from(wire))).toThrow(ProtocolError);
    }
  });

  it('decoder — a streamed string longer than maxBulkLength in total is a ProtocolError', () => {
    const { decoder } = record({ maxBulkLength: 5 });
    decoder.feed(Buffer.from('$?\r\n;3\r\nabc\r\n'));
    expect(() => decoder.feed(Buffer.from(';3\r\n'))).toThrow(ProtocolError);
    const ok = record({ maxBulkLength: 5 });
    ok.decoder.feed(Buffer.from('$?\r\n;3\r\nabc\r\n;2\r\nde\r\n;0\r\n'));
    expect(describeEvents(ok.events)).toEqual(describeEvents([reply('abcde')]));
  });

  it('decoder — a line longer than maxLineLength is a ProtocolError, whole and in pieces', () => {
    const opts = { maxLineLength: 8 };
    expect(decodeChunks([Buffer.from('+12345678\r\n')], opts)).toEqual(describeEvents([reply('12345678')]));
    for (const chunks of [[Buffer.from('+123456789\r\n')], byteByByte(Buffer.from('+123456789\r\n'))]) {
      const { decoder } = record(opts);
      expect(() => {
        for (const c of chunks) decoder.feed(c);
      }).toThrow(ProtocolError);
    }
    for (const wire of [':123456789\r\n', '-ERR 56789\r\n', ',1.3456789\r\n', '(123456789\r\n']) {
      const { decoder } = record(opts);
      expect(() => decoder.feed(Buffer.from(wire)), wire).toThrow(ProtocolError);
    }
  });

  it('decoder — a line without CRLF fails once past maxLineLength instead of buffering forever', () => {
    const { decoder } = record();
    decoder.feed(Buffer.from('+'));
    const kib = Buffer.alloc(1024, 0x61);
    let fedKib = 0;
    const err = thrown(() => {
      for (; fedKib < 1024; fedKib++) decoder.feed(kib);
    });
    expect(err).toBeInstanceOf(ProtocolError);
    expect(fedKib).toBe(64); // the 65th KiB crosses the default 64 KiB bound
  });

  it('decoder — a huge declared count allocates nothing up front', () => {
    const before = process.memoryUsage().heapUsed;
    const { decoder } = record();
    // new Array(10_000_000) alone would take 80 MB.
    decoder.feed(Buffer.from('*10000000\r\n:1\r\n'));
    decoder.feed(Buffer.from('%10000000\r\n+k\r\n'));
    expect(decoder.hasPartial).toBe(true);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(40 * 1024 * 1024);
    const max = record();
    max.decoder.feed(Buffer.from(`*${2 ** 24}\r\n:1\r\n`));
    expect(max.decoder.hasPartial).toBe(true);
  });

  it('decoder — a count of 2^32-1 is a ProtocolError naming maxAggregateLength, for every aggregate type', () => {
    for (const type of ['*', '~', '>', '%', '|']) {
      const wire = Buffer.from(`${type}4294967295\r\n:1\r\n:1\r\n`);
      for (const chunks of [[wire], byteByByte(wire), splitAt(wire, [3])]) {
        const err = protocolErrorOf(chunks);
        expect(err.message, type).toMatch(/4294967295 elements above maxAggregateLength \(16777216\)/);
      }
    }
  });

  it('decoder — maxAggregateLength bounds declared counts, nested ones too, and passes at the bound', () => {
    const opts = { maxAggregateLength: 3 };
    const atBound = '*3\r\n:1\r\n%3\r\n+a\r\n:1\r\n+b\r\n:2\r\n+c\r\n~3\r\n:1\r\n:2\r\n:3\r\n:3\r\n';
    for (const chunks of [[Buffer.from(atBound)], byteByByte(Buffer.from(atBound))]) {
      const events = decodeChunks(chunks, opts);
      expect(events).toEqual(
        describeEvents([
          reply([
            1,
            new Map<Reply, Reply>([
              ['a', 1],
              ['b', 2],
              ['c', new Set([1, 2, 3])],
            ]),
            3,
          ]),
        ]),
      );
    }
    for (const wire of ['*4\r\n', '*1\r\n%4\r\n', '>4\r\n', '~1\r\n~4\r\n', '|4\r\n']) {
      for (const chunks of [[Buffer.from(wire)], byteByByte(Buffer.from(wire))]) {
        const { decoder } = record(opts);
        const err = thrown(() => {
          for (const c of chunks) decoder.feed(c);
        });
        expect(err, wire).toBeInstanceOf(ProtocolError);
        expect((err as Error).message).toMatch(/4 elements above maxAggregateLength \(3\)/);
      }
    }
  });

  it('decoder — a streamed aggregate fails once more elements arrive than maxAggregateLength', () => {
    const opts = { maxAggregateLength: 3 };
    const ok = '*?\r\n:1\r\n:2\r\n:3\r\n.\r\n%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n+c\r\n:3\r\n.\r\n';
    expect(decodeChunks([Buffer.from(ok)], opts)).toEqual(
      describeEvents([
        reply([1, 2, 3]),
        reply(
          new Map<Reply, Reply>([
            ['a', 1],
            ['b', 2],
            ['c', 3],
          ]),
        ),
      ]),
    );
    // No end marker: the elements alone must trip the bound, as an endless stream would.
    for (const wire of [
      '*?\r\n' + ':1\r\n'.repeat(4),
      '~?\r\n' + ':1\r\n'.repeat(4),
      '%?\r\n' + '+k\r\n:1\r\n'.repeat(3) + '+k\r\n',
    ]) {
      for (const chunks of [[Buffer.from(wire)], byteByByte(Buffer.from(wire))]) {
        const { decoder } = record(opts);
        const err = thrown(() => {
          for (const c of chunks) decoder.feed(c);
        });
        expect(err, wire).toBeInstanceOf(ProtocolError);
        expect((err as Error).message).toMatch(/above maxAggregateLength \(3\)/);
      }
    }
  });

  it('decoder — invalid options are refused up front', () => {
    const handler = { onReply() {}, onPush() {} };
    expect(() => new Decoder(handler, { maxDepth: 0 })).toThrow(/maxDepth/);
    expect(() => new Decoder(handler, { maxBulkLength: -1 })).toThrow(/maxBulkLength/);
    expect(() => new Decoder(handler, { maxLineLength: 1.5 })).toThrow(/maxLineLength/);
    expect(() => new Decoder(handler, { maxAggregateLength: 0 })).toThrow(/maxAggregateLength/);
    // Past about 1.1e8 elements a JS array aborts the process: no setting may allow that.
    expect(() => new Decoder(handler, { maxAggregateLength: 2 ** 26 + 1 })).toThrow(/maxAggregateLength/);
  });
});

describe('decoder failure and reset', () => {
  it('decoder — after a ProtocolError feed throws until reset()', () => {
    const { decoder, events } = record();
    const first = thrown(() => decoder.feed(Buffer.from('+OK\r\n?\r\n+never\r\n')));
    expect(first).toBeInstanceOf(ProtocolError);
    expect((first as ProtocolError).code).toBe('ERR_PROTOCOL');
    expect(describeEvents(events)).toEqual(describeEvents([reply('OK')]));
    const again = thrown(() => decoder.feed(Buffer.from('+OK\r\n')));
    expect(again).toBeInstanceOf(ProtocolError);
    expect((again as ProtocolError).code).toBe('ERR_PROTOCOL');
    expect((again as ProtocolError).cause).toBe(first);
    expect(events).toHaveLength(1);
    decoder.reset();
    decoder.feed(Buffer.from('+OK\r\n'));
    expect(events).toHaveLength(2);
  });

  it('decoder — reset() drops a partial reply', () => {
    const { decoder, events } = record();
    decoder.feed(Buffer.from('*3\r\n:1\r\n$5\r\nab'));
    expect(decoder.hasPartial).toBe(true);
    decoder.reset();
    expect(decoder.hasPartial).toBe(false);
    decoder.feed(Buffer.from(':2\r\n'));
    expect(describeEvents(events)).toEqual(describeEvents([reply(2)]));
  });

  it('decoder — an exception from the handler propagates and stops the decoder until reset()', () => {
    const boom = new Error('handler failed');
    let calls = 0;
    const decoder = new Decoder({
      onReply() {
        calls++;
        if (calls === 1) throw boom;
      },
      onPush() {},
    });
    expect(thrown(() => decoder.feed(Buffer.from('+OK\r\n+OK\r\n')))).toBe(boom);
    expect(() => decoder.feed(Buffer.from('+OK\r\n'))).toThrow(ProtocolError);
    decoder.reset();
    decoder.feed(Buffer.from('+OK\r\n'));
    expect(calls).toBe(2);
  });

  it('decoder — hasPartial is true exactly while a reply is incomplete', () => {
    const { decoder } = record();
    const wire = Buffer.from('*2\r\n$?\r\n;1\r\na\r\n;0\r\n%?\r\n.\r\n');
    const states: boolean[] = [];
    for (const c of byteByByte(wire)) {
      decoder.feed(c);
      states.push(decoder.hasPartial);
    }
    expect(states.slice(0, -1).every((s) => s)).toBe(true);
    expect(states.at(-1)).toBe(false);
  });
});

describe('decoder values', () => {
  it('decoder — __proto__ as a map key is an ordinary Map key', () => {
    const { decoder, events } = record();
    decoder.feed(Buffer.from('%2\r\n+__proto__\r\n%1\r\n+polluted\r\n#t\r\n$11\r\nconstructor\r\n:1\r\n'));
    const map = events[0].value as Map<Reply, Reply>;
    expect(map).toBeInstanceOf(Map);
    expect([...map.keys()]).toEqual(['__proto__', 'constructor']);
    expect(map.get('__proto__')).toEqual(new Map([['polluted', true]]));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('decoder — MOVED and ASK replies decode as MovedError and AskError with slot, host and port', () => {
    const { decoder, events } = record();
    decoder.feed(
      Buffer.from(
        '-MOVED 3999 127.0.0.1:6381\r\n*1\r\n-ASK 12 [::1]:7000\r\n!24\r\nMOVED 16383 redis-1:6379\r\n',
      ),
    );
    const moved = events[0].value as MovedError;
    expect(moved).toBeInstanceOf(MovedError);
    expect([moved.code, moved.slot, moved.host, moved.port]).toEqual(['ERR_MOVED', 3999, '127.0.0.1', 6381]);
    const ask = (events[1].value as Reply[])[0] as AskError;
    expect(ask).toBeInstanceOf(AskError);
    expect([ask.code, ask.slot, ask.host, ask.port]).toEqual(['ERR_ASK', 12, '::1', 7000]);
    const blob = events[2].value as MovedError;
    expect(blob).toBeInstanceOf(MovedError);
    expect([blob.slot, blob.host, blob.port]).toEqual([16383, 'redis-1', 6379]);
  });

  it('decoder — error replies are values, not throws', () => {
    const { decoder, events } = record();
    decoder.feed(Buffer.from('-ERR boom\r\n'));
    expect(events[0].value).toBeInstanceOf(ReplyError);
    expect((events[0].value as ReplyError).prefix).toBe('ERR');
  });

  it('decoder — returnBuffers returns every byte value exactly', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const wire = Buffer.concat([Buffer.from('$256\r\n'), all, Buffer.from('\r\n')]);
    for (const { name, chunks } of [
      { name: 'whole', chunks: [wire] },
      { name: 'byte by byte', chunks: byteByByte(wire) },
    ]) {
      const { decoder, events } = record({ returnBuffers: true });
      for (const c of chunks) decoder.feed(c);
      expect(Buffer.isBuffer(events[0].value), name).toBe(true);
      expect((events[0].value as Buffer).equals(all), name).toBe(true);
    }
  });

  it('decoder — multi-byte UTF-8 split across chunks decodes as one character', () => {
    const text = 'a€😀é';
    const payload = Buffer.from(text, 'utf8');
    const wire = Buffer.concat([
      Buffer.from(`*2\r\n$${payload.length}\r\n`),
      payload,
      Buffer.from('\r\n+'),
      payload,
      Buffer.from('\r\n'),
    ]);
    for (const { name, chunks } of chunkings(wire)) {
      expect(decodeChunks(chunks), name).toEqual(describeEvents([reply([text, text])]));
    }
  });

  it('decoder — returnBuffers can change between top-level replies', () => {
    const { decoder, events } = record();
    decoder.feed(Buffer.from('$1\r\na\r\n'));
    decoder.returnBuffers = true;
    decoder.feed(Buffer.from('$1\r\nb\r\n'));
    decoder.returnBuffers = false;
    decoder.feed(Buffer.from('$1\r\nc\r\n'));
    expect(describeEvents(events)).toEqual(describeEvents([reply('a'), reply(Buffer.from('b')), reply('c')]));
  });

  it('decoder — onAttribute is optional: attributes are dropped, the reply still arrives', () => {
    const replies: Reply[] = [];
    const decoder = new Decoder({ onReply: (r) => replies.push(r), onPush() {} });
    decoder.feed(Buffer.from('|1\r\n+a\r\n+b\r\n*1\r\n|1\r\n+c\r\n+d\r\n:5\r\n'));
    expect(replies).toEqual([[5]]);
  });

  it('decoder — push frames are never delivered as replies', () => {
    const { decoder, events } = record();
    decoder.feed(Buffer.from('>2\r\n+invalidate\r\n*1\r\n+k\r\n:1\r\n'));
    expect(events.map((e) => e.kind)).toEqual(['push', 'reply']);
  });

  it('decoder — empty chunks change nothing', () => {
    const { decoder, events } = record();
    decoder.feed(Buffer.alloc(0));
    decoder.feed(Buffer.from('$3\r\na'));
    decoder.feed(Buffer.alloc(0));
    decoder.feed(Buffer.from('bc\r\n'));
    expect(describeEvents(events)).toEqual(describeEvents([reply('abc')]));
  });
});
