import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATION_FILE, readGeneration } from '../../src/storage/generation-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-gen-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('generation file', () => {
  it('generation — a file that holds no number is refused without quoting it', async () => {
    await writeFile(join(dir, GENERATION_FILE), 'password=TOPSECRET\n');
    const err = await readGeneration(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_CHECKPOINT_INVALID' });
    expect((err as Error).message).not.toContain('TOPSECRET');
  });
});
