import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplyCounter, RequestScanner } from '../../bench/harness/relay-frames.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { until } from '../support/until.js';

/** `bytes` cut at `cuts` (offsets, any order), as the chunks a socket could deliver. */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    if (c > from) chunks.push(bytes.subarray(from, c));
    from = Math.max(from, c);
  }
  return chunks;
}

const command = (args: string[]) =>
  Buffer.from(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);

/** An argument: a row (`{"id":N,…}`), text that only looks a little like one, or anything. */
const argument = fc.oneof(
  fc.nat().map((id) => `{"id":${id},"v":"x\r\ny"}`),
  fc.constantFrom('{"id":', '{"id":x}', '{"ID":1}', ' {"id":1}', ''),
  fc.string({ unit: 'binary' }),
);
const rowId = (a: string) => (/^\{"id":(\d+)/.exec(a) === null ? null : Number(/^\{"id":(\d+)/.exec(a)![1]));

/** RESP2/RESP3 replies, encoded, with how many top-level replies each is (a push is none). */
const reply: fc.Memo<string> = fc.memo((depth) =>
  depth <= 1
    ? fc.oneof(
        fc.constantFrom(
          '+OK\r\n',
          '-ERR x\r\n',
          ':-12\r\n',
          '_\r\n',
          '#t\r\n',
          ',1.5\r\n',
          '(123\r\n',
          '$-1\r\n',
          '*-1\r\n',
        ),
        fc.string({ unit: 'binary' }).map((s) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`),
        fc.string().map((s) => `=${Buffer.byteLength(s) + 4}\r\ntxt:${s}\r\n`),
      )
    : fc.oneof(
        reply(1),
        fc
          .tuple(fc.constantFrom('*', '~'), fc.array(reply(depth - 1), { maxLength: 4 }))
          .map(([t, xs]) => `${t}${xs.length}\r\n${xs.join('')}`),
        fc
          .array(fc.tuple(reply(depth - 1), reply(depth - 1)), { maxLength: 3 })
          .map((kv) => `%${kv.length}\r\n${kv.map(([k, v]) => k + v).join('')}`),
        fc.tuple(reply(1), reply(depth - 1)).map(([k, v]) => `|1\r\n${k}${v}${'+annotated\r\n'}`),
      ),
);

describe('harness-overhead relay — reading commands and replies as they pass', () => {
  it('relay — every command is reported once, in order, with the row ids its arguments start with', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(argument, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (commands, cuts) => {
          const seen: Array<number[] | null> = [];
          const scanner = new RequestScanner((ids) => seen.push(ids));
          for (const chunk of chunked(Buffer.concat(commands.map(command)), cuts)) scanner.feed(chunk);
          const expected = commands.map((args) => {
            const ids = args.map(rowId).filter((id) => id !== null);
            return ids.length === 0 ? null : ids;
          });
          expect(seen).toEqual(expected);
        },
      ),
    );
  });

  it('relay — replies are counted once each, whatever the chunks, and pushes are not replies', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(reply(3), fc.boolean()), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (replies, cuts) => {
          const wire = replies.map(([r, push]) => (push ? `>2\r\n+message\r\n${r}` : r)).join('');
          const counter = new ReplyCounter();
          let counted = 0;
          for (const chunk of chunked(Buffer.from(wire), cuts)) counted += counter.feed(chunk);
          expect(counted).toBe(replies.filter(([, push]) => !push).length);
        },
      ),
    );
  });

  describe('against a real redis-server', () => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await startRedis();
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('relay — one reply is counted for each command of a RESP3 pipeline, rows named', async () => {
      const socket = connect({ host: server.host, port: server.port });
      const counter = new ReplyCounter();
      let replies = 0;
      socket.on('data', (chunk: Buffer) => {
        replies += counter.feed(chunk);
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      try {
        const pipeline = [
          ['HELLO', '3'],
          ['SET', 'rf:s', '{"id":7,"a":1}'],
          ...Array.from({ length: 500 }, (_, i) => [
            'RPUSH',
            `rf:l${i % 7}`,
            `{"id":${i}}`,
            `{"id":${i + 1000}}`,
          ]),
          ['HGETALL', 'rf:none'],
          ['LRANGE', 'rf:l1', '0', '-1'],
          ['NOSUCHCOMMAND'],
          ['CONFIG', 'GET', 'maxmemory*'],
        ];
        const seen: Array<number[] | null> = [];
        const scanner = new RequestScanner((ids) => seen.push(ids));
        const bytes = Buffer.concat(pipeline.map(command));
        scanner.feed(bytes);
        socket.write(bytes);
        await until('every reply', () => replies >= pipeline.length);
        expect(replies).toBe(pipeline.length);
        expect(seen[1]).toEqual([7]);
        expect(seen[2]).toEqual([0, 1000]);
        expect(seen.filter((ids) => ids !== null).length).toBe(501);
      } finally {
        socket.destroy();
      }
    });
  });
});
