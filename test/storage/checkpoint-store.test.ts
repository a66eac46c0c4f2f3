import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type Checkpoint,
  CheckpointStore,
  checkpointFileName,
  checkpointTempName,
  decodeCheckpoint,
  encodeCheckpoint,
  type SkipReason,
} from '../../src/storage/checkpoint-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-cp-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cp(id: number, extra: Partial<Checkpoint> = {}): Checkpoint {
  return {
    id,
    jobId: 'job-1',
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, id)).toISOString(),
    generation: 2,
    sources: { 'ingest/producer-a': 41 + id, 'file/rows.jsonl': `line:${id * 10}` },
    operators: { 'sink-0': { pending: [], fence: { slot: 12, applied: id } } },
    ...extra,
  };
}

const silent = () => ({ warn: vi.fn() });
const store = (options: { keep?: number } = {}) => new CheckpointStore(dir, { logger: silent(), ...options });

/** A checkpoint envelope around an arbitrary payload, with a correct checksum. */
function envelope(payload: string, version = 1): Buffer {
  const bytes = Buffer.from(payload, 'utf8');
  const sha = createHash('sha256').update(bytes).digest('hex');
  return Buffer.concat([
    Buffer.from(
      `{"format":"laminar-redis-checkpoint","version":${version},"sha256":"${sha}","bytes":${bytes.length},"checkpoint":`,
    ),
    bytes,
    Buffer.from('}\n'),
  ]);
}

describe('CheckpointStore', () => {
  it('checkpoint store — round trip: latest returns what was written', async () => {
    const s = store();
    await s.write(cp(1));
    expect(await s.latest()).toEqual(cp(1));
    expect(await s.list()).toEqual([1]);
    // A fresh store (a restarted coordinator) reads it back too.
    expect(await store().latest()).toEqual(cp(1));
  });

  it('checkpoint store — the file is one JSON document named by the padded id', async () => {
    await store().write(cp(42));
    const names = await readdir(dir);
    expect(names).toEqual(['checkpoint-00000000000000000042.json']);
    const doc = JSON.parse(await readFile(join(dir, names[0]), 'utf8'));
    expect(doc).toMatchObject({ format: 'laminar-redis-checkpoint', version: 1, checkpoint: cp(42) });
    expect(doc.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('checkpoint store — keeps only the newest K checkpoints', async () => {
    const s = store({ keep: 3 });
    for (let id = 1; id <= 6; id++) await s.write(cp(id));
    expect(await s.list()).toEqual([4, 5, 6]);
    expect(await s.latest()).toEqual(cp(6));
    const one = new CheckpointStore(join(dir, 'k1'), { keep: 1 });
    await one.write(cp(1));
    await one.write(cp(7));
    expect(await one.list()).toEqual([7]);
  });

  it('checkpoint store — an empty or missing directory has no checkpoint', async () => {
    const s = new CheckpointStore(join(dir, 'not', 'yet'), { logger: silent() });
    expect(await s.latest()).toBeNull();
    expect(await s.list()).toEqual([]);
    expect(await s.nextId()).toBe(0);
    await s.write(cp(1));
    expect(await readdir(join(dir, 'not', 'yet'))).toEqual([checkpointFileName(1)]);
  });

  it('checkpoint store — refuses ids that do not increase, also across store instances', async () => {
    const s = store();
    await s.write(cp(5));
    await expect(s.write(cp(5))).rejects.toMatchObject({ code: 'ERR_CHECKPOINT_ID_NOT_INCREASING' });
    await expect(s.write(cp(3))).rejects.toMatchObject({ code: 'ERR_CHECKPOINT_ID_NOT_INCREASING' });
    await expect(store().write(cp(4))).rejects.toMatchObject({ code: 'ERR_CHECKPOINT_ID_NOT_INCREASING' });
    expect(await s.nextId()).toBe(6);
    await s.write(cp(6));
    expect(await s.list()).toEqual([5, 6]);
  });

  it('checkpoint store — a damaged id is never reused: a new write must go past it', async () => {
    const s = store();
    await s.write(cp(1));
    await writeFile(join(dir, checkpointFileName(2)), 'garbage');
    expect((await s.latest())?.id).toBe(1);
    await expect(s.write(cp(2))).rejects.toMatchObject({ code: 'ERR_CHECKPOINT_ID_NOT_INCREASING' });
    expect(await s.nextId()).toBe(3);
    await s.write(cp(3));
    expect((await s.latest())?.id).toBe(3);
  });

  it('checkpoint store — refuses checkpoints that are not JSON-serialisable or malformed', async () => {
    const s = store();
    await expect(s.write(cp(1, { operators: { big: 1n } }))).rejects.toMatchObject({
      code: 'ERR_CHECKPOINT_INVALID',
    });
    await expect(s.write(cp(1, { sources: { p: Number.NaN } }))).rejects.toMatchObject({
      code: 'ERR_CHECKPOINT_INVALID',
    });
    await expect(s.write({ ...cp(1), createdAt: undefined } as unknown as Checkpoint)).rejects.toMatchObject({
      code: 'ERR_CHECKPOINT_INVALID',
    });
    await expect(s.write(cp(-1))).rejects.toMatchObject({ code: 'ERR_CHECKPOINT_INVALID' });
    expect(await readdir(dir)).toEqual([]);
  });

  const full = () => encodeCheckpoint(cp(3));
  const damages: Array<[string, SkipReason, () => Buffer]> = [
    ['truncated mid-payload', 'truncated', () => full().subarray(0, full().length - 30)],
    ['truncated inside the header', 'truncated', () => full().subarray(0, 25)],
    ['empty (the crash hit before any byte was written)', 'truncated', () => Buffer.alloc(0)],
    [
      'one flipped byte in the payload',
      'checksum',
      () => {
        const b = full();
        b[b.length - 20] ^= 0x01;
        return b;
      },
    ],
    ['holding another checkpoint id than its name', 'id-mismatch', () => encodeCheckpoint(cp(2))],
    ['unparsable', 'malformed', () => Buffer.from('{"checkpoint": oops')],
    ['JSON but no envelope', 'malformed', () => Buffer.from(JSON.stringify(cp(3)))],
    ['bytes appended after the envelope', 'malformed', () => Buffer.concat([full(), Buffer.from('{}')])],
    ['a sound envelope around a non-checkpoint', 'invalid', () => envelope('{"id":3}')],
    ['a future format version', 'unsupported-version', () => envelope(JSON.stringify(cp(3)), 2)],
  ];

  it.each(damages)(
    'checkpoint store — a checkpoint file %s is skipped for the previous one',
    async (_, reason, bytes) => {
      const logger = silent();
      const s = new CheckpointStore(dir, { logger });
      await s.write(cp(1));
      await s.write(cp(2));
      await writeFile(join(dir, checkpointFileName(3)), bytes());
      const report = await s.latestWithReport();
      expect(report.checkpoint).toEqual(cp(2));
      expect(report.skipped).toEqual([
        { id: 3, file: checkpointFileName(3), reason, detail: expect.any(String) },
      ]);
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn.mock.calls[0][0]).toMatchObject({ checkpoint: 3, reason });
      expect(await s.latest()).toEqual(cp(2));
    },
  );

  it('checkpoint store — several damaged newest files are all skipped; none valid gives null', async () => {
    const s = store({ keep: 10 });
    await s.write(cp(1));
    await s.write(cp(2));
    await s.write(cp(3));
    await truncate(join(dir, checkpointFileName(3)), 10);
    await writeFile(join(dir, checkpointFileName(2)), 'x');
    const report = await s.latestWithReport();
    expect(report.checkpoint).toEqual(cp(1));
    expect(report.skipped.map((k) => [k.id, k.reason])).toEqual([
      [3, 'truncated'],
      [2, 'malformed'],
    ]);
    await writeFile(join(dir, checkpointFileName(1)), '');
    const none = await s.latestWithReport();
    expect(none.checkpoint).toBeNull();
    expect(none.skipped.map((k) => k.id)).toEqual([3, 2, 1]);
  });

  it('checkpoint store — a checkpoint path that cannot be read is skipped as unreadable', async () => {
    const s = store();
    await s.write(cp(1));
    await mkdir(join(dir, checkpointFileName(2)));
    const report = await s.latestWithReport();
    expect(report.checkpoint).toEqual(cp(1));
    expect(report.skipped.map((k) => k.reason)).toEqual(['unreadable']);
  });

  it('checkpoint store — a crash between temp write and rename leaves the previous checkpoint latest', async () => {
    await store().write(cp(1));
    // The crashed coordinator wrote (and even fsynced) checkpoint 2's temp file, then died.
    const temp = checkpointTempName(2);
    await writeFile(join(dir, temp), encodeCheckpoint(cp(2)));

    const restarted = store();
    const report = await restarted.latestWithReport();
    expect(report.checkpoint).toEqual(cp(1));
    expect(report.skipped).toEqual([]);
    expect(report.removedTempFiles).toEqual([temp]);
    expect(await readdir(dir)).toEqual([checkpointFileName(1)]);
    // Checkpoint 2 never completed, so its id is free for the retry.
    await restarted.write(cp(2));
    expect(await restarted.latest()).toEqual(cp(2));
  });

  it('checkpoint store — a partial temp file is ignored by list and removed before the next write', async () => {
    const s = store();
    await s.write(cp(1));
    const temp = checkpointTempName(2);
    await writeFile(join(dir, temp), encodeCheckpoint(cp(2)).subarray(0, 40));
    expect(await s.list()).toEqual([1]);
    expect(await s.latest()).toEqual(cp(1));
    await s.write(cp(2));
    expect((await readdir(dir)).sort()).toEqual([checkpointFileName(1), checkpointFileName(2)]);
  });

  it('checkpoint store — operations run in call order', async () => {
    const s = store();
    const w1 = s.write(cp(1));
    const w2 = s.write(cp(2));
    const latest = s.latest();
    const list = s.list();
    await Promise.all([w1, w2]);
    expect((await latest)?.id).toBe(2);
    expect(await list).toEqual([1, 2]);
  });

  it('checkpoint store — keep must be a positive integer', () => {
    expect(() => new CheckpointStore(dir, { keep: 0 })).toThrow(RangeError);
    expect(() => new CheckpointStore(dir, { keep: 1.5 })).toThrow(RangeError);
  });
});

describe('checkpoint envelope', () => {
  const arbCheckpoint: fc.Arbitrary<Checkpoint> = fc.record(
    {
      id: fc.nat(),
      jobId: fc.string(),
      createdAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      generation: fc.nat(),
      sources: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
      operators: fc.dictionary(fc.string(), fc.jsonValue()),
    },
    { requiredKeys: ['id', 'createdAt', 'generation', 'sources', 'operators'] },
  );

  it('checkpoint envelope — any checkpoint decodes to its JSON image', () => {
    fc.assert(
      fc.property(arbCheckpoint, (c) => {
        const decoded = decodeCheckpoint(encodeCheckpoint(c), c.id);
        expect(decoded).toEqual({ ok: true, checkpoint: JSON.parse(JSON.stringify(c)) });
      }),
    );
  });

  it('checkpoint envelope — any single flipped bit or truncation is detected', () => {
    fc.assert(
      fc.property(arbCheckpoint, fc.nat(), fc.integer({ min: 0, max: 7 }), fc.nat(), (c, at, bit, cut) => {
        const bytes = encodeCheckpoint(c);
        const flipped = Buffer.from(bytes);
        flipped[at % bytes.length] ^= 1 << bit;
        expect(decodeCheckpoint(flipped, c.id).ok).toBe(false);
        expect(decodeCheckpoint(bytes.subarray(0, cut % bytes.length), c.id).ok).toBe(false);
      }),
    );
  });
});
