import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/actors/clock.js';
import { GeneratorSource, generatedRow } from '../../src/dataflow/sources/generator.js';
import { IngestClosedError, IngestSource } from '../../src/dataflow/sources/ingest.js';
import { JsonLinesSource, SourceFormatError } from '../../src/dataflow/sources/jsonl.js';
import type { ReadBatch, SourceReader } from '../../src/dataflow/sources/source.js';

const never = new AbortController().signal;

async function drain(r: SourceReader, max = 7): Promise<ReadBatch[]> {
  const out: ReadBatch[] = [];
  for (let b = await r.read(max, never); b !== null; b = await r.read(max, never)) out.push(b);
  return out;
}

describe('sources', () => {
  it('generator — row i of partition p is a pure function of (seed, p, i), and replay from an offset yields the same rows (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(1000),
        fc.integer({ min: 0, max: 60 }),
        fc.nat(70),
        async (seed, count, from) => {
          const src = new GeneratorSource(
            { name: 'g', partitions: 2, rowsPerPartition: count, seed },
            new ManualClock(),
          );
          const [, whole] = await src.open({});
          const all = (await drain(whole)).flatMap((b) => b.rows);
          expect(all).toEqual(Array.from({ length: count }, (_, i) => generatedRow(seed, 1, i)));
          const [, resumed] = await src.open({ 'g/1': Math.min(from, count) });
          const batches = await drain(resumed);
          expect(batches.flatMap((b) => b.rows)).toEqual(all.slice(Math.min(from, count)));
          expect(batches.flatMap((b) => b.offsets)).toEqual(
            all.slice(Math.min(from, count)).map((r) => (r as { i: number }).i),
          );
          expect(resumed.position()).toBe(count);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('generator — a paced read waits on the clock, and an aborted wait returns an empty batch', async () => {
    const clock = new ManualClock();
    const src = new GeneratorSource({ name: 'g', partitions: 1, rowsPerPartition: 1000, rate: 100 }, clock);
    const [r] = await src.open({});
    expect((await r.read(500, never))!.rows.length).toBe(2); // rate/50 rows per paced read
    const ac = new AbortController();
    const pending = r.read(500, ac.signal);
    ac.abort();
    expect((await pending)!.rows).toEqual([]);
    const later = r.read(500, never);
    await clock.advanceAsync(20);
    expect((await later)!.offsets).toEqual([2, 3]);
  });

  describe('json lines', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'laminar-jsonl-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('jsonl — partition is the file, offset the line number; blank lines count; resume skips consumed lines', async () => {
      const file = join(dir, 'a.jsonl');
      await writeFile(file, '{"k":"a"}\n\n{"k":"b"}\n{"k":"c"}\n{"k":"d"}');
      const src = new JsonLinesSource('files', [file]);
      const [r] = await src.open({});
      const batches = await drain(r, 2);
      expect(batches.flatMap((b) => b.rows)).toEqual([{ k: 'a' }, { k: 'b' }, { k: 'c' }, { k: 'd' }]);
      expect(batches.flatMap((b) => b.offsets)).toEqual([1, 3, 4, 5]);
      expect(batches.every((b) => b.partition === file)).toBe(true);
      expect(r.position()).toBe(5);
      const [again] = await src.open({ [file]: 3 });
      expect((await drain(again)).flatMap((b) => b.offsets)).toEqual([4, 5]);
      await r.close();
      await again.close();
    });

    it('jsonl — a line that is not a JSON object fails with its file and line', async () => {
      const file = join(dir, 'bad.jsonl');
      await writeFile(file, '{"k":1}\n[1,2]\n');
      const [r] = await new JsonLinesSource('files', [file]).open({});
      const err = await drain(r).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SourceFormatError);
      expect(err).toMatchObject({ code: 'ERR_SOURCE_FORMAT', file, line: 2 });
      await r.close();
    });
  });

  it('ingest — resends of a sequence number already accepted are dropped; offsets follow each producer only', async () => {
    const src = new IngestSource('in');
    const [r] = await src.open({});
    expect(await src.push('a', 1, [{ x: 1 }, { x: 2 }])).toEqual({ accepted: true, firstOffset: 0 });
    expect(await src.push('b', 1, [{ x: 3 }])).toEqual({ accepted: true, firstOffset: 0 });
    expect(await src.push('a', 1, [{ x: 1 }, { x: 2 }])).toEqual({ accepted: false });
    expect(await src.push('a', 2, [{ x: 4 }])).toEqual({ accepted: true, firstOffset: 2 });
    const b = (await r.read(100, never))!;
    expect(b.rows).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }, { x: 4 }]);
    expect(b.partition).toEqual(['in/a', 'in/a', 'in/b', 'in/a']);
    expect(b.offsets).toEqual([0, 1, 0, 2]);
    // A restore from a checkpoint taken after a's seq 1 only: a resends seq 2 and gets the same offsets.
    const pos = JSON.stringify({ producers: { a: [1, 2] } });
    const [r2] = await src.open({ in: pos });
    expect(src.acknowledged('a')).toBe(1);
    await expect(r.read(1, never)).resolves.toBeNull(); // the old reader was abandoned
    expect(await src.push('a', 1, [{ x: 1 }])).toEqual({ accepted: false });
    expect(await src.push('a', 2, [{ x: 4 }])).toEqual({ accepted: true, firstOffset: 2 });
    expect((await r2.read(100, never))!.offsets).toEqual([2]);
    r2.committed!(r2.position());
    expect(src.acknowledged('a')).toBe(2);
    src.end();
    await expect(r2.read(100, never)).resolves.toBeNull();
    await expect(src.push('a', 3, [{}])).rejects.toThrow(IngestClosedError);
  });

  it('ingest — a read waiting for pushes returns an empty batch when a barrier aborts it', async () => {
    const src = new IngestSource('in');
    const [r] = await src.open({});
    const ac = new AbortController();
    const pending = r.read(10, ac.signal);
    ac.abort();
    expect((await pending)!.rows).toEqual([]);
    await r.close();
  });
});
