import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandEncoder } from '../../src/resp/encoder.js';
import type { Arg } from '../../src/resp/reply.js';
import { Batch } from '../../src/sink/batch.js';
import { createSink } from '../../src/sink/create-sink.js';
import type { PayloadRow } from '../../src/sink/encoded-row.js';
import type { Target } from '../../src/sink/model.js';
import { PerRowPipeline, perRowPipeline } from '../../src/sink/per-row-pipeline.js';
import { RowEncoder } from '../../src/sink/row-encoder.js';
import { decodeKeyedRows, EncodedRow, keyedPayload } from '../../src/wire/keyed-rows.js';
import { useRedis } from '../support/fixtures.js';
import { respReference } from '../support/resp-reference.js';
import { feedPipeline, table } from '../support/sink.js';

const targetArb: fc.Arbitrary<Target> = fc.oneof(
  fc.record(
    {
      type: fc.constant('stream' as const),
      streamPrefix: fc.constantFrom('', 'st:', 'é:'),
      streamKeyColumn: fc.constant('k'),
      streamRowField: fc.constantFrom('row', 'é', 'a longer field name'),
      streamMaxLength: fc.integer({ min: 1, max: 1_000_000 }),
      streamTrim: fc.constant('exact' as const),
      ttlSecs: fc.integer({ min: 1, max: 99_999 }),
      ttlRefresh: fc.constant('on_create' as const),
    },
    { requiredKeys: ['type', 'streamPrefix', 'streamKeyColumn'] },
  ),
  fc.record({
    type: fc.constant('pubsub' as const),
    channelPrefix: fc.constantFrom('', 'ch:'),
    channelColumn: fc.constant('k'),
  }),
);

/** Key parts that repeat, including bytes that are UTF-8 text and bytes that are not. */
const keyPart = fc.oneof(
  fc.constantFrom('a', 'b', 'é', '{x}', '😀'),
  fc.constantFrom(Buffer.from('a'), Buffer.from([0xff, 0x01]), Buffer.from([0xc3, 0xa9])),
);
const rawValue = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 30, maxLength: 400 }),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  fc.uint8Array({ minLength: 1000, maxLength: 20_000 }).map((a) => Buffer.from(a)),
);
/** Flat and nested JSON column values. */
const jsonValue = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
);
const how = fc.constantFrom('row', 'payload', 'bytes');

describe('per-row pipeline (streams and Pub/Sub on standalone Redis)', () => {
  it('per-row pipeline — raw rows, rows of bytes and payload rows encode as the writer commands, byte for byte, flush after flush (property)', () => {
    fc.assert(
      fc.property(
        targetArb,
        fc.array(fc.tuple(keyPart, rawValue, how), { maxLength: 40 }),
        fc.array(fc.string({ maxLength: 20 }), { maxLength: 2 }),
        fc.integer({ min: 1, max: 20_000 }),
        (target, rows, dead, zeroCopy) => {
          const pipe = perRowPipeline(target);
          expect(pipe).not.toBeNull();
          // A small zero-copy bound takes the by-reference path for large values.
          const own = perRowPipeline(target, new CommandEncoder(zeroCopy))!;
          const enc = new RowEncoder(table(target, { format: 'raw', valueColumn: 'v' }));
          const batch = new Batch(target);
          const keyed: EncodedRow[] = [];
          for (const [k, v, as] of rows) {
            expect(enc.encode({ k, v })).toBeNull();
            batch.add(enc);
            if (as === 'payload') keyed.push(new EncodedRow(enc.key, '', enc.value));
          }
          const decoded = decodeKeyedRows(keyedPayload(keyed, false), keyed.length) as PayloadRow[];
          const want = expected(batch, dead);
          const as = rows.map((r) => r[2]);
          for (const p of [pipe!, own]) {
            for (let flush = 0; flush < 2; flush++) {
              const got = feedPipeline(p, batch, as, decoded, false, dead);
              expect(got.count).toBe(want.commands.length);
              expect(got.rowsPerCommand ?? rowsPerRowCommand(rows.length, dead)).toEqual(want.rowsPerCommand);
              expect(Buffer.concat(got.chunks as Buffer[])).toEqual(respReference(want.commands));
            }
            expect(p.take()).toMatchObject({ chunks: [], count: 0 });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('per-row pipeline — JSON rows (flat, nested, unicode) through a batch encode as the writer commands, byte for byte (property)', () => {
    fc.assert(
      fc.property(
        targetArb,
        fc.array(fc.tuple(keyPart, fc.dictionary(fc.string({ maxLength: 6 }), jsonValue, { maxKeys: 5 })), {
          maxLength: 30,
        }),
        (target, rows) => {
          const pipe = perRowPipeline(target)!;
          const t = table(target);
          const direct = new Batch(target, false, pipe);
          const kept = new Batch(target);
          const encBytes = new RowEncoder(t);
          const encText = new RowEncoder(t);
          for (const [k, rest] of rows) {
            const row = { ...rest, k };
            const reason = encText.encode(row);
            expect(encBytes.encode(row, true)).toBe(reason);
            if (reason !== null) continue;
            direct.add(encBytes);
            kept.add(encText);
          }
          expect(direct.encodes).toBe(true);
          expect(direct.rows).toBe(kept.rows);
          const want = kept.commands('t:dead_letter');
          const got = direct.encoded('t:dead_letter');
          expect(got.count).toBe(want.commands.length);
          expect(got.rowsPerCommand ?? want.commands.map(() => 1)).toEqual(want.rowsPerCommand);
          expect(Buffer.concat(got.chunks as Buffer[])).toEqual(respReference(want.commands as Arg[][]));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('per-row pipeline — a key after 2 text keys and a binary key keeps its place among the TTL commands', () => {
    const target: Target = { type: 'stream', streamPrefix: 's:', streamKeyColumn: 'k', ttlSecs: 9 };
    const pipe = perRowPipeline(target)!;
    for (const k of ['s:b', Buffer.from([0xff]), 's:a', Buffer.from('s:b'), Buffer.from([0xff]), 's:a']) {
      pipe.add(k, '', 'v');
    }
    const got = pipe.take();
    expect(got.rowsPerCommand).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0]);
    const bytes = Buffer.concat(got.chunks as Buffer[]);
    const expires = bytes.toString('latin1').split('EXPIRE\r\n').slice(1);
    expect(expires.map((e) => e.split('\r\n')[1])).toEqual(['s:b', '\xff', 's:a']);
  });

  it('per-row pipeline — rows of these tables are never removed (their retraction is an event row)', () => {
    const pipe = perRowPipeline({ type: 'pubsub', channelPrefix: 'c' })!;
    expect(() => pipe.addRemove('c', '', '')).toThrow(/PUBLISH rows cannot be removed/);
  });

  it('per-row pipeline — only plain strings, row-layout streams without a per-row TTL and Pub/Sub without message ids have one', () => {
    expect(perRowPipeline({ type: 'stream', streamPrefix: 's' })).toBeInstanceOf(PerRowPipeline);
    expect(
      perRowPipeline({ type: 'stream', streamPrefix: 's', streamMaxLength: 5, ttlSecs: 3 }),
    ).not.toBeNull();
    expect(perRowPipeline({ type: 'stream', streamPrefix: 's', streamLayout: 'columns' })).toBeNull();
    expect(perRowPipeline({ type: 'stream', streamPrefix: 's', ttlColumn: 'ttl' })).toBeNull();
    expect(perRowPipeline({ type: 'pubsub', channelPrefix: 'c' })).toBeInstanceOf(PerRowPipeline);
    expect(perRowPipeline({ type: 'pubsub', channelPrefix: 'c', messageIdField: 'id' })).toBeNull();
    // Strings take it too (SET [EX ttl]); not with a TTL per row or a write mode.
    expect(perRowPipeline({ type: 'string', keyPrefix: 'k' })).toBeInstanceOf(PerRowPipeline);
    expect(perRowPipeline({ type: 'string', keyPrefix: 'k', ttlColumn: 'ttl' })).toBeNull();
    expect(perRowPipeline({ type: 'string', keyPrefix: 'k', writeMode: 'if_absent' })).toBeNull();
    expect(perRowPipeline({ type: 'list', listPrefix: 'l', operation: 'Append' })).toBeNull();
  });
});

describe('per-row pipeline on a real server', () => {
  const redis = useRedis();
  const url = () => redis.server.url;
  const profile = () => ({ name: 'p', connection: { kind: 'standalone' as const, address: url() } });

  it('per-row pipeline — a stream sink on standalone Redis writes each row as an entry, trims and sets the TTL', async () => {
    const target: Target = {
      type: 'stream',
      streamPrefix: 'prs:',
      streamKeyColumn: 'k',
      streamMaxLength: 50,
      streamTrim: 'exact',
      ttlSecs: 1000,
    };
    const sink = await createSink({
      model: table(target, { profile: profile(), delivery: 'at_least_once', batchSize: 64 }),
    });
    const rows = [];
    for (let n = 0; n < 300; n++) rows.push({ k: n % 3 === 0 ? 'é' : 'a', n, nested: { list: [n, 'ü'] } });
    await sink.write(rows);
    await sink.flush();
    expect(sink.stats.rowsWritten).toBe(300);
    await sink.close();
    expect(await redis.client.send(['XLEN', 'prs:é'])).toBe(50);
    expect(await redis.client.send(['XLEN', 'prs:a'])).toBe(50);
    const ttl = (await redis.client.send(['TTL', 'prs:a'])) as number;
    expect(ttl).toBeGreaterThan(900);
    const last = (await redis.client.send(['XREVRANGE', 'prs:é', '+', '-', 'COUNT', '1'])) as unknown[][];
    const [field, value] = last[0][1] as Buffer[];
    expect(String(field)).toBe('row');
    expect(JSON.parse(String(value))).toEqual({ k: 'é', n: 297, nested: { list: [297, 'ü'] } });
  });

  it('per-row pipeline — a Pub/Sub sink on standalone Redis publishes every row to its channel, in order', async () => {
    const sock = net.connect(redis.server.port, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => {
      got += d.toString('utf8');
    });
    sock.write('*2\r\n$10\r\nPSUBSCRIBE\r\n$4\r\nprp*\r\n');
    await expect.poll(() => got.includes('psubscribe')).toBe(true);
    const sink = await createSink({
      model: table(
        { type: 'pubsub', channelPrefix: 'prp:', channelColumn: 'k' },
        { profile: profile(), batchSize: 16 },
      ),
    });
    const rows = [];
    for (let n = 0; n < 100; n++) rows.push({ k: `c${n % 2}`, n, s: '✓' });
    await sink.write(rows);
    await sink.flush();
    await sink.close();
    await expect.poll(() => got.split('\r\npmessage\r\n').length - 1).toBe(100);
    const messages = got
      .split('\r\npmessage\r\n')
      .slice(1)
      .map((m) => {
        const parts = m.split('\r\n');
        return { channel: parts[3], message: JSON.parse(parts[5]) as { n: number } };
      });
    expect(messages.map((m) => m.message.n)).toEqual(rows.map((r) => r.n));
    expect(messages.map((m) => m.channel)).toEqual(rows.map((r) => `prp:${r.k}`));
    sock.destroy();
  });
});

/** The writer's commands for the batch's rows, then the dead-letter push. */
function expected(batch: Batch, dead: readonly string[]): { commands: Arg[][]; rowsPerCommand: number[] } {
  const want = batch.commands(undefined);
  const commands = want.commands as Arg[][];
  if (dead.length > 0) {
    commands.push(['RPUSH', 't:dead_letter', ...dead]);
    want.rowsPerCommand.push(0);
  }
  return { commands, rowsPerCommand: want.rowsPerCommand };
}

/** What a flush without commands after its keys means by no `rowsPerCommand`. */
function rowsPerRowCommand(rows: number, dead: readonly string[]): number[] {
  return [...new Array<number>(rows).fill(1), ...(dead.length > 0 ? [0] : [])];
}
