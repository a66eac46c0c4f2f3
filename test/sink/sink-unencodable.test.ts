import { constants } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { BadRowError } from '../../src/sink/errors.js';
import type { OnError } from '../../src/sink/model.js';
import type { Row } from '../../src/sink/row-encoder.js';
import { useRedis } from '../support/fixtures.js';
import { recordingLogger, sinkOn, table } from '../support/sink.js';

const redis = useRedis();

/** Rows whose serialisation throws, each with the reason the sink must give. */
function throwingRows(): { row: Row; reason: RegExp }[] {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  return [
    {
      row: {
        id: 'tojson',
        data: {
          toJSON() {
            throw new Error('secret in the message');
          },
        },
      },
      reason: /^column 'data' cannot be encoded as JSON$/,
    },
    { row: { id: 'bigint', data: { n: 10n } }, reason: /^column 'data' cannot be encoded as JSON$/ },
    { row: { id: 'cycle', data: cyclic }, reason: /^column 'data' cannot be encoded as JSON$/ },
    {
      row: {
        id: 'getter',
        get data(): unknown {
          throw new TypeError('secret in the message');
        },
      },
      reason: /^reading the row threw TypeError/,
    },
  ];
}

describe('rows whose serialisation throws follow the error policy', () => {
  const target = { type: 'string' as const, keyPrefix: 'ue:', keyColumn: 'id' };
  const good = (i: number) => ({ id: `good${i}`, data: { i } });

  it.each(['skip', 'dead_letter', 'fail'] as OnError[])(
    '%s: each bad row follows the policy with its reason; the rest of the call is written',
    async (policy) => {
      const name = `ue_${policy}`;
      const { logger, lines } = recordingLogger();
      const s = await sinkOn(redis.server.url, table(target, { name, onError: policy }), {}, logger);
      const bad = throwingRows();
      const rows: Row[] = [];
      for (const [i, b] of bad.entries()) rows.push(good(i), b.row);
      rows.push(good(bad.length));
      if (policy === 'fail') {
        const err = await s.write(rows).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(BadRowError);
        expect((err as BadRowError).reason).toMatch(bad[0].reason);
        expect((err as Error).message).not.toContain('secret');
        await s.close().catch(() => {});
        // The rows before the bad one are still written.
        expect(await redis.client.send(['EXISTS', 'ue:good0'])).toBe(1);
        return;
      }
      await s.write(rows);
      await s.flush();
      for (let i = 0; i <= bad.length; i++)
        expect(await redis.client.send(['EXISTS', `ue:good${i}`])).toBe(1);
      if (policy === 'skip') {
        expect(s.stats.rowsSkipped).toBe(bad.length);
        const warned = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'bad row skipped');
        expect(warned.map((l) => l.reason)).toHaveLength(bad.length);
        for (const [i, l] of warned.entries()) expect(l.reason).toMatch(bad[i].reason);
        expect(lines.join('\n')).not.toContain('secret');
      } else {
        expect(s.stats.rowsDeadLettered).toBe(bad.length);
        const dead = ((await redis.client.send(['LRANGE', `${name}:dead_letter`, 0, -1])) as string[]).map(
          (d) => JSON.parse(d),
        );
        expect(dead.map((d) => d.row.id)).toEqual(bad.map((b) => (b.row as { id: string }).id));
        for (const [i, d] of dead.entries()) expect(d.reason).toMatch(bad[i].reason);
      }
      await s.close();
    },
  );

  it('a value past the longest JavaScript string is a bad row (skip, dead_letter), not a RangeError', async () => {
    // One string at V8's maximum length: quoting it for JSON cannot fit in a string.
    const huge = 'x'.repeat(constants.MAX_STRING_LENGTH);
    for (const policy of ['skip', 'dead_letter'] as OnError[]) {
      const name = `long_${policy}`;
      const s = await sinkOn(redis.server.url, table(target, { name, onError: policy }));
      await s.write([good(100), { id: 'huge', data: huge }, good(101)]);
      await s.flush();
      expect(await redis.client.send(['EXISTS', 'ue:good100', 'ue:good101', 'ue:huge'])).toBe(2);
      if (policy === 'skip') {
        expect(s.stats.rowsSkipped).toBe(1);
      } else {
        expect(s.stats.rowsDeadLettered).toBe(1);
        const [entry] = (await redis.client.send(['LRANGE', `${name}:dead_letter`, 0, -1])) as string[];
        const dead = JSON.parse(entry);
        expect(dead.reason).toBe(
          "column 'data' is too long: its JSON text would be longer than the longest JavaScript string",
        );
        expect(dead.row.id).toBe('huge');
      }
      await s.close();
    }
  }, 60_000);
});
