import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useRedis } from '../support/fixtures.js';
import { sinkOn, table } from '../support/sink.js';

const redis = useRedis();

/** Any well-formed text, multi-byte and astral characters included. */
const value = fc.string({ unit: 'grapheme', maxLength: 40 });

describe('fences — script calls encoded with their values as bytes (standalone)', () => {
  let run = 0;

  it('fence — list, hash and JSON row values reach Redis byte for byte, once each, through a replay and a lost script', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(value, { minLength: 1, maxLength: 50 }),
        fc.nat(),
        fc.nat(),
        fc.boolean(),
        async (values, cutSeed, replaySeed, loseScript) => {
          const name = `enc${++run}`;
          const cut = cutSeed % (values.length + 1);
          const replayFrom = replaySeed % (cut + 1);
          const list = await sinkOn(
            redis.server.url,
            table(
              { type: 'list', listPrefix: `${name}:l`, operation: 'Append' },
              { name: `${name}l`, format: 'raw', valueColumn: 'v', batchSize: 7 },
            ),
          );
          const hash = await sinkOn(
            redis.server.url,
            table(
              { type: 'hash', hashKeyPrefix: `${name}:h`, hashFieldColumn: 'f' },
              { name: `${name}h`, format: 'raw', valueColumn: 'v', batchSize: 7, delivery: 'exactly_once' },
            ),
          );
          // JSON rows go in as the encoder's bytes, never as text.
          const json = await sinkOn(
            redis.server.url,
            table(
              { type: 'list', listPrefix: `${name}:j`, operation: 'Append' },
              { name: `${name}j`, batchSize: 7 },
            ),
          );
          const sinks = [list, hash, json];
          const rows = values.map((v, i) => ({ v, f: `f${i % 5}` }));
          const write = async (from: number, to: number) => {
            const part = rows.slice(from, to);
            const offsets = part.map((_, j) => from + j);
            for (const s of sinks) await s.write(part, { partition: 'p', offsets });
          };
          await write(0, cut);
          for (const s of sinks) await s.flush();
          if (loseScript) await redis.client.send(['SCRIPT', 'FLUSH']);
          // A replay from an earlier offset: rows already applied are skipped.
          await write(replayFrom, rows.length);
          for (const s of sinks) await s.flush();

          const got = (await redis.client.send(['LRANGE', `${name}:l`, 0, -1])) as Buffer[];
          expect(got.map((b) => Buffer.from(b))).toEqual(values.map((v) => Buffer.from(v)));
          const jsonGot = (await redis.client.send(['LRANGE', `${name}:j`, 0, -1])) as Buffer[];
          expect(jsonGot.map((b) => JSON.parse(b.toString()))).toEqual(rows);
          const last = new Map<string, string>();
          for (const r of rows) last.set(r.f, r.v);
          for (const [f, v] of last) {
            const stored = (await redis.client.send(['HGET', `${name}:h`, f])) as Buffer;
            expect(Buffer.from(stored)).toEqual(Buffer.from(v));
          }
          for (const s of sinks) await s.close();
        },
      ),
      { numRuns: 30 },
    );
  });
});
