import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JOB_IDENTITY_FILE, jobIdentity } from '../../src/storage/generation-file.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'laminar-identity-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

it('job identity — made once per directory, read back ever after; another directory has another', async () => {
  const a = join(work, 'a');
  const b = join(work, 'b');
  await Promise.all([mkdir(a), mkdir(b)]);
  const id = await jobIdentity(a);
  expect(id).toMatch(/^[0-9a-f]{32}$/);
  expect(await jobIdentity(a)).toBe(id);
  expect((await readFile(join(a, JOB_IDENTITY_FILE), 'utf8')).trim()).toBe(id);
  expect(await jobIdentity(b)).not.toBe(id);
});

it('job identity — starts racing on a fresh directory all get the same one', async () => {
  const d = join(work, 'race');
  await mkdir(d);
  const ids = await Promise.all(Array.from({ length: 8 }, () => jobIdentity(d)));
  expect(new Set(ids).size).toBe(1);
});

it('job identity — a damaged file is an error (ERR_CHECKPOINT_INVALID), never replaced by a new identity', async () => {
  const d = join(work, 'bad');
  await mkdir(d);
  await writeFile(join(d, JOB_IDENTITY_FILE), 'not an id\n');
  await expect(jobIdentity(d)).rejects.toMatchObject({ code: 'ERR_CHECKPOINT_INVALID' });
  expect(await readFile(join(d, JOB_IDENTITY_FILE), 'utf8')).toBe('not an id\n');
});
