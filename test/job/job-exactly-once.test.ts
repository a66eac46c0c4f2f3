import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob, startJob } from '../../src/job/job.js';
import type { Target } from '../../src/sink/model.js';
import { useRedis } from '../support/fixtures.js';
import { table } from '../support/sink.js';
import { until } from '../support/until.js';

const redis = useRedis();
const silent = pino({ level: 'silent' });
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'laminar-eo-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** `lines` JSON lines per file, each `{ k, value: "<file index>-<line>" }`, the key chosen by `keyOf`. */
async function jsonlFiles(name: string, files: number, lines: number, keyOf: (line: number) => string) {
  const out: string[] = [];
  for (let f = 0; f < files; f++) {
    const path = join(work, `${name}-${f}.jsonl`);
    let text = '';
    for (let i = 1; i <= lines; i++) text += `${JSON.stringify({ k: keyOf(i), value: `${f}-${i}` })}\n`;
    await writeFile(path, text);
    out.push(path);
  }
  return out;
}

function listSpec(name: string, dir: string, files: string[], target: Partial<Target> = {}) {
  const model = table(
    { type: 'list', listPrefix: `${name}:`, listKeyColumn: 'k', operation: 'Append', ...target } as Target,
    {
      name,
      profile: { name: 'p', connection: { kind: 'standalone', address: redis.server.url } },
      format: 'raw',
      valueColumn: 'value',
    },
  );
  return {
    name,
    checkpoint: { dir, intervalMs: 50 },
    sources: [{ type: 'jsonl', name: 'rows', files }],
    tables: [{ model, shards: 2 }],
    restart: { maxRestarts: 2, initialDelayMs: 10, windowMs: 60_000 },
  };
}

/** The messages of an error and of its causes. */
function messages(err: unknown): string {
  const out: string[] = [];
  for (let e = err; e instanceof Error; e = e.cause) out.push(e.message);
  return out.join(' <- ');
}

describe('exactly-once jobs', () => {
  it('job — a key of the wrong type fails a flush partway; once fixed, the resumed job leaves every list row once and in order', async () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    // Key h gets rows from halfway on: by then the other lists hold rows and the job has checkpoints.
    const files = await jsonlFiles('wt', 2, 20_000, (i) => (i > 10_000 ? keys[i % 8] : keys[i % 7]));
    await redis.client.send(['SET', 'wt:h', 'not a list']);
    const spec = listSpec('wt', join(work, 'wt-cp'), files);

    const err = await runJob(spec, { logger: silent }).then(
      () => new Error('the job finished'),
      (e: unknown) => e,
    );
    expect(messages(err)).toMatch(/WRONGTYPE/);
    expect(messages(err)).toMatch(/wt:h/);

    // Fixed: the resumed job must apply exactly the rows that were not applied.
    await redis.client.send(['DEL', 'wt:h']);
    await runJob(spec, { logger: silent });
    for (const k of keys) {
      const got = (await redis.client.send(['LRANGE', `wt:${k}`, 0, -1])) as string[];
      for (let f = 0; f < files.length; f++) {
        const expected: string[] = [];
        for (let i = 1; i <= 20_000; i++)
          if ((i > 10_000 ? keys[i % 8] : keys[i % 7]) === k) expected.push(`${f}-${i}`);
        const mine = got.filter((v) => v.startsWith(`${f}-`));
        // Compared as counts first: a duplicate or a hole shows as a number, not a 5,000-line diff.
        expect({ key: k, file: f, rows: mine.length }).toEqual({ key: k, file: f, rows: expected.length });
        expect(mine).toEqual(expected);
      }
    }
  }, 120_000);
});

describe('fences and job identity', () => {
  const genSpec = (name: string, dir: string, rate?: number) => ({
    name,
    checkpoint: { dir, intervalMs: 50 },
    sources: [
      {
        type: 'generator',
        name: 'gen',
        partitions: 2,
        rowsPerPartition: 2_000,
        seed: 5,
        groups: 1,
        ...(rate === undefined ? {} : { rate }),
      },
    ],
    tables: [
      {
        model: table(
          { type: 'list', listPrefix: `${name}:`, listKeyColumn: 'g', operation: 'Append' },
          { name, profile: { name: 'p', connection: { kind: 'standalone', address: redis.server.url } } },
        ),
      },
    ],
  });

  it("job — a job in a new checkpoint directory writes all its rows into a table an earlier job wrote: no row is taken for the other's duplicate", async () => {
    await runJob(genSpec('again', join(work, 'again-1')), { logger: silent });
    expect(await redis.client.send(['LLEN', 'again:g0'])).toBe(4_000);
    // The changed script's job: the same source names and offsets, a directory of its own.
    await runJob(genSpec('again', join(work, 'again-2')), { logger: silent });
    expect(await redis.client.send(['LLEN', 'again:g0'])).toBe(8_000);
  }, 60_000);

  it('job — after a job reached generation 2, a job in a fresh directory is not fenced by it', async () => {
    let read = false;
    const job = startJob(genSpec('gen2', join(work, 'gen2-1'), 2_000), {
      logger: silent,
      onCheckpoint: (cp) => {
        read ||= Object.values(cp.sources).some((p) => Number(p) > 0);
      },
    });
    await until('a checkpoint after some rows', () => read);
    await job.stop();
    // Resumed in its directory: generation 2 writes the rest, exactly once.
    const resumed = await runJob(genSpec('gen2', join(work, 'gen2-1')), { logger: silent });
    expect(resumed.generation).toBe(2);
    expect(await redis.client.send(['LLEN', 'gen2:g0'])).toBe(4_000);

    const fresh = await runJob(genSpec('gen2', join(work, 'gen2-2')), { logger: silent });
    expect(fresh.generation).toBe(1);
    expect(await redis.client.send(['LLEN', 'gen2:g0'])).toBe(8_000);
  }, 60_000);
});
